#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/target_lock.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace drillhost {
namespace fs = std::filesystem;
namespace {

std::string text_field(const nlohmann::json &object, const char *key) {
    if (!object.is_object() || !object.contains(key)) return "";
    const auto &value = object[key];
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// A stable, short file name for an identity (64-bit FNV-1a; collisions only make two clusters
// share a lock, never let two runs drill one cluster).
std::string file_name_for(const std::string &identity) {
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : identity) hash = (hash ^ c) * 1099511628211ull;
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.lock", static_cast<unsigned long long>(hash));
    return name;
}

std::string read_holder(int fd) {
    char buffer[4096];
    ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (got <= 0) return "another run";
    auto holder = try_parse_bounded_json(std::string_view(buffer, static_cast<size_t>(got)));
    if (!holder || !holder->is_object()) return "another run";
    return "run " + text_field(*holder, "run") + " (pid " + text_field(*holder, "pid") + ")";
}

}  // namespace

std::string TargetLock::cluster_identity(const nlohmann::json &target) {
    if (!target.is_object() || target.empty()) return "";
    std::vector<std::string> members;
    if (target.contains("members") && target["members"].is_array())
        for (const auto &m : target["members"])
            members.push_back(text_field(m, "rest_url") + "|" + text_field(m, "address") + "|" +
                              text_field(m, "host") + "|" + text_field(m, "name"));
    std::sort(members.begin(), members.end());
    std::string identity = "scope:" + text_field(target, "scope");
    for (const auto &m : members) identity += "\n" + m;
    return identity;
}

TargetLock::TargetLock(const fs::path &state_dir, const nlohmann::json &target, const std::string &run_id) {
    std::string identity = cluster_identity(target);
    if (identity.empty()) return;  // --target none: nothing to share
    fs::path dir = state_dir / "locks";
    ensure_private_directory(dir, "lock directory");
    path_ = dir / file_name_for(identity);
    for (;;) {
        int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            throw InfraError("target lock " + path_.string() + ": cannot open: " + std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            std::string holder = read_holder(fd);
            ::close(fd);
            throw UsageError(
                "this cluster is being drilled by " + holder +
                "; two runs on one cluster give meaningless verdicts: wait for it to end (its lock: " +
                path_.string() + ")");
        }
        // The holder before us may have removed the file between our open and our lock: then the
        // lock we hold is on a file nobody else will find. Start again on the one at the path.
        struct stat held {
        }, named{};
        if (::fstat(fd, &held) == 0 && ::stat(path_.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
            held.st_dev == named.st_dev) {
            fd_ = fd;
            break;
        }
        ::close(fd);
    }
    std::string holder = nlohmann::json{{"run", run_id}, {"pid", ::getpid()}}.dump() + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, holder.data(), holder.size(), 0) < 0) {
        // The lock holds without the text; a refused run then says "another run".
    }
}

int TargetLock::remove_stale(const fs::path &state_dir) {
    int removed = 0;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(state_dir / "locks", ec)) {
        if (entry.path().extension() != ".lock" || !entry.is_regular_file(ec) || entry.is_symlink(ec))
            continue;
        int fd = ::open(entry.path().c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        // Free: its run is gone (kill -9 runs no destructor). Unlinked under the lock, as release() does.
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(entry.path().c_str()) == 0) ++removed;
        ::close(fd);
    }
    return removed;
}

void TargetLock::release() {
    if (fd_ < 0) return;
    ::unlink(path_.c_str());  // under the lock, so no one holds a lock on the removed file
    ::close(fd_);
    fd_ = -1;
}

}  // namespace drillhost
