#include <drillhost/core/file_trust.hpp>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace drillhost {
namespace fs = std::filesystem;
namespace {

std::string owner_name(uid_t uid) {
    struct passwd entry {};
    struct passwd *found = nullptr;
    char buffer[1024];
    if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found) return found->pw_name;
    return "uid " + std::to_string(uid);
}

std::string mode_text(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// "mode 0666, owner alice": what the user needs to see to fix it.
std::string describe(const struct stat &st) {
    return "mode " + mode_text(st.st_mode) + ", owner " + owner_name(st.st_uid);
}

std::string expected_owners() {
    std::string owners = "root";
    if (::geteuid() != 0) owners += " or " + owner_name(::geteuid());
    if (const char *sudo_uid = std::getenv("SUDO_UID"); sudo_uid && ::geteuid() == 0)
        owners += " or " + owner_name(static_cast<uid_t>(std::strtoul(sudo_uid, nullptr, 10)));
    return owners;
}

[[noreturn]] void untrusted(const fs::path &path, const std::string &role, const std::string &why,
                            const std::string &fix) {
    throw UntrustedPath(role + " " + path.string() + ": " + why + "; " + fix);
}

// The checks every trusted path passes. `sticky_ok`: a world-writable directory with the sticky bit
// (like /tmp) may hold a trusted file, as nobody else can replace or rename it there.
void check_stat(const fs::path &path, const struct stat &st, const std::string &role, bool sticky_ok) {
    if (!trusted_owner(st.st_uid))
        untrusted(path, role, "owned by someone else (" + describe(st) + ")",
                  "drillhost runs as " + owner_name(::geteuid()) + " and trusts only files of " +
                      expected_owners());
    bool writable_by_others = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    if (writable_by_others && !(sticky_ok && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))
        untrusted(path, role, "writable by group or others (" + describe(st) + ")",
                  "fix it with: chmod go-w " + path.string());
}

}  // namespace

bool trusted_owner(unsigned uid) {
    if (uid == 0 || uid == ::geteuid()) return true;
    if (::geteuid() != 0) return false;
    // Under sudo the effective user is root; the invoking user's own clone and target files are theirs.
    const char *sudo_uid = std::getenv("SUDO_UID");
    return sudo_uid && *sudo_uid && std::strtoul(sudo_uid, nullptr, 10) == uid;
}

void check_trusted_directory(const fs::path &dir, const std::string &role) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0)
        throw UsageError(role + " " + dir.string() + ": " + std::strerror(errno));
    if (S_ISLNK(st.st_mode))
        untrusted(dir, role, "is a symbolic link", "give the real directory, not a link to it");
    if (!S_ISDIR(st.st_mode)) untrusted(dir, role, "is not a directory", "give a directory");
    check_stat(dir, st, role, /*sticky_ok=*/false);
}

int open_trusted_file(const fs::path &file, int flags, const std::string &role) {
    int fd = ::open(file.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0) {
        if (errno == ELOOP)
            untrusted(file, role, "is a symbolic link", "give the real file, not a link to it");
        throw UsageError(role + " " + file.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        untrusted(file, role, S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file",
                  "give a file");
    }
    try {
        check_stat(file, st, role, false);
        fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
        struct stat dir_st {};
        if (::stat(dir.c_str(), &dir_st) != 0)
            throw UsageError(role + " " + file.string() + ": its directory: " + std::strerror(errno));
        check_stat(dir, dir_st, role + "'s directory", /*sticky_ok=*/true);
    } catch (...) {
        ::close(fd);
        throw;
    }
    // O_NONBLOCK was only there so that opening a FIFO cannot hang; regular files ignore it, but clear it.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

std::string read_trusted_file(const fs::path &file, const std::string &role, size_t max_bytes) {
    int fd = open_trusted_file(file, O_RDONLY, role);
    std::string text;
    char buffer[65536];
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int error = errno;
            ::close(fd);
            throw UsageError(role + " " + file.string() + ": " + std::strerror(error));
        }
        if (got == 0) break;
        text.append(buffer, static_cast<size_t>(got));
        if (text.size() > max_bytes) {
            ::close(fd);
            throw UsageError(role + " " + file.string() + ": larger than " + std::to_string(max_bytes) +
                             " bytes");
        }
    }
    ::close(fd);
    return text;
}

void ensure_private_directory(const fs::path &dir, const std::string &role) {
    std::error_code ec;
    if (dir.has_parent_path() && !fs::exists(dir.parent_path(), ec))
        fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw InfraError(role + " " + dir.string() + ": cannot create: " + std::strerror(errno));
    struct stat st {};
    // An existing directory of ours (an older drillhost made 0755, a umask of 002 makes 0775): narrow
    // it first, its files hold credentials. Not through a link, and not someone else's.
    if (::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
        (st.st_mode & 077) != 0)
        ::chmod(dir.c_str(), 0700);
    check_trusted_directory(dir, role);
}

}  // namespace drillhost
