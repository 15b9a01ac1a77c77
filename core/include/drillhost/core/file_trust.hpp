// Files and directories a root tool acts on (ledgers, the state dir, plugins, target files with
// credentials) must be what they claim and belong to whoever runs drillhost, as OpenSSH demands
// of its key files: no symlink, a regular file (or a directory), not writable by group or others,
// owned by the effective user, root, or (under sudo) the user who ran sudo. The path itself and its
// own directory are checked, not every parent. See docs/cli.md, "Files drillhost trusts".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <drillhost/core/errors.hpp>

namespace drillhost {

// A path that failed the checks; what() names it, its role, its mode and owner, and the fix.
class UntrustedPath : public UsageError {
  public:
    using UsageError::UsageError;
};

// Throws UntrustedPath unless `dir` is a directory (not a symlink) that passes the checks.
// `role` names it in the error ("ledger directory", "plugin directory").
void check_trusted_directory(const std::filesystem::path &dir, const std::string &role);

// Opens `file` with O_NOFOLLOW | O_CLOEXEC | `flags` and checks what was opened (fstat: regular
// file, mode, owner) and its directory. Returns the descriptor; throws UntrustedPath, or
// UsageError when it does not exist / cannot be opened (naming the path and errno text).
int open_trusted_file(const std::filesystem::path &file, int flags, const std::string &role);

// The whole of a trusted file, at most `max_bytes` (UsageError beyond).
std::string read_trusted_file(const std::filesystem::path &file, const std::string &role,
                              size_t max_bytes = 16 << 20);

// Creates `dir` (and missing parents) with mode 0700, or checks an existing one and narrows it to
// 0700 when it is ours. For ledger/ and runs/, whose files carry the target's credentials.
void ensure_private_directory(const std::filesystem::path &dir, const std::string &role);

// Owners whose files drillhost trusts: root, the effective user, and SUDO_UID under sudo.
bool trusted_owner(unsigned uid);

}  // namespace drillhost
