#include "ssh_access.hpp"

#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>

#include <fstream>
#include <iterator>

namespace drillhost::sandbox {
namespace fs = std::filesystem;

static std::string read_file(const fs::path &path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void make_ssh_keys(const SandboxState &state) {
    const fs::path dir = ssh_dir(state);
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
    const fs::path host_key = dir / "ssh_host_ed25519_key";
    for (const auto &key : {host_key, ssh_client_key(state)})
        run_checked(
            {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "drillhost-sandbox", "-f", key.string()},
            "creating the sandbox's ssh keys");
    std::ofstream(dir / "authorized_keys") << read_file(ssh_client_key(state).string() + ".pub");
    std::string host_public = read_file(host_key.string() + ".pub");
    std::ofstream known(ssh_known_hosts(state));
    for (const auto &m : state.members) known << m.address << " " << host_public;
    fs::create_directories("/run/sshd");  // sshd's privilege separation directory
}

std::vector<std::string> sshd_argv(const SandboxState &state, const Member &member) {
    const fs::path dir = ssh_dir(state);
    std::vector<std::string> argv = {"/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null"};
    const std::vector<std::string> options = {
        "ListenAddress=" + member.address, "Port=22", "HostKey=" + (dir / "ssh_host_ed25519_key").string(),
        // root's key, and the Pigsty profile's admin user's (a file it can read)
        "AuthorizedKeysFile=" + (dir / "authorized_keys").string() + " " +
            (state.base_dir / "admin" / "authorized_keys").string(),
        "PidFile=none", "UsePAM=no", "PasswordAuthentication=no", "KbdInteractiveAuthentication=no",
        "PermitRootLogin=prohibit-password", "StrictModes=no",
        // An absolute AuthorizedKeysFile applies to every account: the client key must not also log
        // in as postgres or any other user with a shell.
        "AllowUsers=root" + (state.admin_user.empty() ? std::string() : " " + state.admin_user)};
    for (const auto &option : options) argv.insert(argv.end(), {"-o", option});
    return argv;
}

nlohmann::json ssh_transport(const SandboxState &state, const Member &member) {
    return {{"kind", "ssh"},
            {"host", member.address},
            {"user", "root"},
            {"port", 22},
            {"key", ssh_client_key(state).string()},
            {"known_hosts", ssh_known_hosts(state).string()}};
}

}  // namespace drillhost::sandbox
