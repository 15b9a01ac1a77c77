// Certificates for a sandbox whose REST API speaks HTTPS: a CA made for this sandbox alone and one
// server certificate whose subject alternative names are every member's address.
#pragma once

#include <drillhost/sandbox/sandbox_state.hpp>

namespace drillhost::sandbox {

// Writes ca.crt, server.crt and server.key (readable by the postgres user only) to tls_dir().
void make_rest_certificates(const SandboxState &state);

inline std::filesystem::path rest_server_cert(const SandboxState &state) {
    return state.tls_dir() / "server.crt";
}
inline std::filesystem::path rest_server_key(const SandboxState &state) {
    return state.tls_dir() / "server.key";
}

}  // namespace drillhost::sandbox
