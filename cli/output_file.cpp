#include "output_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <drillhost/core/errors.hpp>

#include <cerrno>
#include <cstring>

namespace drillhost::cli {
namespace fs = std::filesystem;
namespace {

fs::path directory_of(const fs::path &path) {
    return path.parent_path().empty() ? fs::path(".") : path.parent_path();
}

// procfs and sysfs files look regular but are kernel interfaces, never reports.
bool kernel_file_system(const fs::path &path) {
    struct statfs info {};
    if (::statfs(path.c_str(), &info) != 0) return false;
    return info.f_type == PROC_SUPER_MAGIC || info.f_type == SYSFS_MAGIC;
}

}  // namespace

void check_output_file(const fs::path &path, const std::string &option) {
    auto refuse = [&](const std::string &why) {
        throw UsageError(option + " " + path.string() + ": " + why);
    };
    fs::path dir = directory_of(path);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) refuse("its directory " + dir.string() + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) refuse(dir.string() + " is not a directory");
    if (kernel_file_system(dir))
        refuse(dir.string() + " is a kernel file system (/proc or /sys), not a place for files");
    if (::lstat(path.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode)) refuse("is a symbolic link; give the real path");
        if (!S_ISREG(st.st_mode)) refuse("exists and is not a regular file");
    }
    // A file that is gone when closed: proves the directory takes new files (read-only file
    // systems, permissions) and leaves nothing behind.
    int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR)
        refuse("cannot create files in " + dir.string() + ": " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    if (fd < 0 && ::access(dir.c_str(), W_OK) != 0)  // no O_TMPFILE on this file system
        refuse("cannot create files in " + dir.string() + ": " + std::strerror(errno));
}

void write_output_file(const fs::path &path, const std::string &text, const std::string &option) {
    auto fail = [&](const std::string &what) {
        throw InfraError(option + " " + path.string() + ": " + what + ": " + std::strerror(errno));
    };
    fs::path temporary = path;
    temporary += ".tmp-" + std::to_string(::getpid());
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot create " + temporary.string());
    const char *data = text.data();
    size_t left = text.size();
    while (left > 0) {
        ssize_t written = ::write(fd, data, left);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) {
            int error = errno;
            ::close(fd);
            ::unlink(temporary.c_str());
            errno = error;
            fail("cannot write");
        }
        data += written;
        left -= static_cast<size_t>(written);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        errno = error;
        fail("cannot write");
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        errno = error;
        fail("cannot put it in place");
    }
}

}  // namespace drillhost::cli
