// The Pigsty profile's admin user (`sandbox up --profile pigsty --ssh`): a non-root account with
// passwordless sudo, as Pigsty's dba, that drills log in as over ssh. It is an account of this
// machine (the hosts share its /etc), so `down` removes it, and only it: ours is known by the
// sudoers file that carries drillhost's mark, never by its name alone.
#pragma once

#include <drillhost/sandbox/sandbox_state.hpp>

#include <filesystem>
#include <string>

namespace drillhost::sandbox {

inline constexpr const char *sandbox_admin_user = "drillhost-dba";

// Its authorized_keys (the sandbox's client key), readable by the user: sshd reads the file as it.
std::filesystem::path admin_authorized_keys(const SandboxState &state);

// Creates the user (no password, /bin/sh), its sudoers file (NOPASSWD, checked with visudo) and its
// authorized_keys. Throws UsageError when an account of that name exists that drillhost did not make.
void make_admin_user(const SandboxState &state);

// Removes the user and its sudoers file when the file carries drillhost's mark; true if it did.
bool remove_admin_user();

}  // namespace drillhost::sandbox
