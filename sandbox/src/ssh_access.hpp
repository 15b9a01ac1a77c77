// ssh into the embedded cluster's hosts, for testing the ssh transport for real: an sshd per host
// (root, key only, listening on the host's own address), a client key and a known_hosts file made
// for this sandbox alone.
#pragma once

#include <drillhost/sandbox/sandbox_state.hpp>

#include <string>
#include <vector>

namespace drillhost::sandbox {

inline std::filesystem::path ssh_dir(const SandboxState &state) {
    return state.base_dir / "ssh";
}
inline std::filesystem::path ssh_client_key(const SandboxState &state) {
    return ssh_dir(state) / "id_ed25519";
}
inline std::filesystem::path ssh_known_hosts(const SandboxState &state) {
    return ssh_dir(state) / "known_hosts";
}

// Host key, client key, authorized_keys and known_hosts (every member's address).
void make_ssh_keys(const SandboxState &state);

// sshd's command line for one member, in the foreground, configured entirely on the command line.
std::vector<std::string> sshd_argv(const SandboxState &state, const Member &member);

// The transport a target uses to reach `member` over ssh.
nlohmann::json ssh_transport(const SandboxState &state, const Member &member);

}  // namespace drillhost::sandbox
