#include "rest_tls.hpp"

#include <pwd.h>
#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>

#include <fstream>
#include <set>

namespace drillhost::sandbox {
namespace fs = std::filesystem;

void make_rest_certificates(const SandboxState &state) {
    const fs::path dir = state.tls_dir();
    fs::create_directories(dir);
    const std::string ca_key = (dir / "ca.key").string(), ca_crt = state.rest_cacert().string();
    const std::string csr = (dir / "server.csr").string(), ext = (dir / "server.ext").string();
    std::set<std::string> addresses{"127.0.0.1"};
    for (const auto &m : state.members) addresses.insert(m.address);
    std::string names;
    for (const auto &a : addresses) names += (names.empty() ? "IP:" : ",IP:") + a;
    std::ofstream(ext) << "subjectAltName=" << names << "\n";
    // EC keys: instant to generate, where RSA would add a noticeable pause to every bring-up.
    const std::vector<std::string> new_key = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                              "-nodes"};
    auto with = [](std::vector<std::string> argv, const std::vector<std::string> &more) {
        argv.insert(argv.end(), more.begin(), more.end());
        return argv;
    };
    run_checked(with({"openssl", "req", "-x509", "-days", "30", "-subj", "/CN=drillhost sandbox CA",
                      "-keyout", ca_key, "-out", ca_crt},
                     new_key),
                "creating the sandbox's REST CA");
    run_checked(with({"openssl", "req", "-subj", "/CN=drillhost sandbox REST API", "-keyout",
                      rest_server_key(state).string(), "-out", csr},
                     new_key),
                "creating the REST API's key");
    run_checked({"openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
                 "-days", "30", "-extfile", ext, "-out", rest_server_cert(state).string()},
                "signing the REST API's certificate");
    fs::remove(csr);
    fs::permissions(rest_server_key(state), fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(ca_key, fs::perms::owner_read | fs::perms::owner_write);
    if (struct passwd *postgres = ::getpwnam("postgres"); postgres && ::geteuid() == 0)
        if (::chown(rest_server_key(state).c_str(), postgres->pw_uid, postgres->pw_gid) != 0)
            throw InfraError("cannot hand " + rest_server_key(state).string() + " to the postgres user");
}

}  // namespace drillhost::sandbox
