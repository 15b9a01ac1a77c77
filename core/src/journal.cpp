#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/redact.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace drillhost {

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::now();
    auto seconds = std::chrono::system_clock::to_time_t(now);
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(millis));
    return out;
}

Journal::Journal(const std::filesystem::path &path, std::string run_id)
    : path_(path), run_id_(std::move(run_id)), start_(std::chrono::steady_clock::now()) {
    // A directory made for journals is private (0700): they name the target's hosts and users.
    if (path.has_parent_path() && !std::filesystem::exists(path.parent_path()))
        ensure_private_directory(path.parent_path(), "journal directory");
    // 0600, and never through a symlink someone planted where the journal goes.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        throw InfraError("journal " + path.string() + ": cannot open: " + std::strerror(errno) +
                         (errno == ELOOP ? " (it is a symlink; give the journal a path of its own)" : ""));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw InfraError("journal " + path.string() +
                         ": not a regular file; give the journal a path of its own");
    }
    file_ = ::fdopen(fd, "a");
    if (!file_) {
        int error = errno;
        ::close(fd);
        throw InfraError("journal " + path.string() + ": cannot open: " + std::strerror(error));
    }
}

Journal::Journal(std::function<void(const nlohmann::json &entry)> forward, std::string run_id,
                 std::chrono::steady_clock::time_point clock_start)
    : run_id_(std::move(run_id)), start_(clock_start), forward_(std::move(forward)) {}

Journal::~Journal() {
    if (file_) std::fclose(file_);
}

double Journal::mono_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
}

void Journal::write(nlohmann::json entry) {
    // Secrets never reach the journal (passwords in target fields, URLs, conninfo), and the line is
    // written even when a plugin's text was not UTF-8 (dump_json replaces what is invalid).
    entry = redact_json(entry);
    if (forward_) {
        std::lock_guard lock(mutex_);
        forward_(entry);
        return;
    }
    entry["run"] = run_id_;
    entry["wall"] = utc_timestamp();
    entry["mono_ms"] = mono_ms();
    std::string line = dump_json(entry) + "\n";
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
    if (observer_) observer_(entry);  // under the lock: progress lines come out in journal order
}

}  // namespace drillhost
