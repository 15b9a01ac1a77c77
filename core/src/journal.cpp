#include <drillhost/core/errors.hpp>
#include <drillhost/core/journal.hpp>

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
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    file_ = std::fopen(path.c_str(), "a");
    if (!file_) throw InfraError("journal " + path.string() + ": cannot open: " + std::strerror(errno));
}

Journal::~Journal() {
    if (file_) std::fclose(file_);
}

double Journal::mono_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
}

void Journal::write(nlohmann::json entry) {
    entry["run"] = run_id_;
    entry["wall"] = utc_timestamp();
    entry["mono_ms"] = mono_ms();
    std::string line = entry.dump() + "\n";
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
    if (observer_) observer_(entry);  // under the lock: progress lines come out in journal order
}

}  // namespace drillhost
