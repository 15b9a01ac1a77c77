#include "admin_user.hpp"

#include <pwd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "ssh_access.hpp"

namespace drillhost::sandbox {
namespace fs = std::filesystem;

namespace {

const fs::path sudoers_file = fs::path("/etc/sudoers.d") / sandbox_admin_user;
const std::string mark = "# drillhost sandbox admin user: `drillhost sandbox down` removes it and this file";

const std::string comment = "drillhost sandbox admin";

// Ours: the sudoers file carries the mark, or (a run that died between useradd and the sudoers
// file) the account carries the comment useradd gave it.
bool ours() {
    std::ifstream in(sudoers_file);
    std::string first;
    if (std::getline(in, first) && first == mark) return true;
    const struct passwd *user = ::getpwnam(sandbox_admin_user);
    return user && user->pw_gecos && comment == user->pw_gecos;
}

}  // namespace

fs::path admin_authorized_keys(const SandboxState &state) {
    return state.base_dir / "admin" / "authorized_keys";
}

void make_admin_user(const SandboxState &state) {
    if (::getpwnam(sandbox_admin_user) && !ours())
        throw UsageError(std::string("a user ") + sandbox_admin_user +
                         " exists on this machine that drillhost did not make; remove it or leave out --ssh");
    remove_admin_user();  // a crashed run's
    // "*": no password can match, yet the account is not locked (sshd refuses locked ones).
    run_checked({"useradd", "--no-create-home", "--no-user-group", "--shell", "/bin/sh", "--password", "*",
                 "--comment", comment, sandbox_admin_user},
                "creating the sandbox's admin user");
    fs::path staged = sudoers_file.string() + ".drillhost-new";
    {
        std::ofstream out(staged);
        out << mark << '\n' << sandbox_admin_user << " ALL=(ALL) NOPASSWD: ALL\n";
    }
    fs::permissions(staged, fs::perms::owner_read | fs::perms::group_read);
    run_checked({"visudo", "-c", "-q", "-f", staged.string()}, "checking the admin user's sudoers file");
    fs::rename(staged, sudoers_file);
    const fs::path dir = admin_authorized_keys(state).parent_path();
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    std::ifstream key(ssh_client_key(state).string() + ".pub");
    std::ofstream(admin_authorized_keys(state))
        << std::string((std::istreambuf_iterator<char>(key)), std::istreambuf_iterator<char>());
    fs::permissions(admin_authorized_keys(state), fs::perms::owner_read | fs::perms::owner_write |
                                                      fs::perms::group_read | fs::perms::others_read);
}

bool remove_admin_user() {
    if (!ours()) return false;
    // Its sessions live in the sandbox's namespaces, which down empties; any other goes too.
    // userdel refuses while a killed process of the user is still exiting: try again a moment.
    for (int attempt = 0; attempt < 20 && ::getpwnam(sandbox_admin_user); ++attempt) {
        run_command({"pkill", "-KILL", "-u", sandbox_admin_user});
        if (run_command({"userdel", sandbox_admin_user}).exit_code != 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (::getpwnam(sandbox_admin_user))
        throw InfraError(std::string("cannot remove the sandbox's admin user ") + sandbox_admin_user +
                         " (userdel refused); its sudoers file " + sudoers_file.string() +
                         " is kept so that "
                         "`drillhost sandbox down` can try again");
    std::error_code ec;
    fs::remove(sudoers_file, ec);
    fs::remove(sudoers_file.string() + ".drillhost-new", ec);
    return true;
}

}  // namespace drillhost::sandbox
