// The run journal: every event, measurement, verdict and fault of a run as JSON lines, each with
// wall time (UTC, ISO 8601) and monotonic milliseconds since the run started.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace drillhost {

class Journal {
  public:
    // Opens (creates, mode 0600) the file, never through a symlink; a missing directory is created
    // 0700. Throws InfraError when it cannot (UntrustedPath for a directory it must not use).
    Journal(const std::filesystem::path &path, std::string run_id);
    // A journal that writes no file: each entry, redacted, goes to `forward` without the "run",
    // "wall" and "mono_ms" fields, for the journal that will write it (a worker process's entries
    // go to its parent's journal that way).
    // `clock_start`: the parent journal's (start()), so that the host's now_ms() in a worker reads
    // the run's clock, as it does in the parent (steady_clock is the machine's CLOCK_MONOTONIC).
    Journal(std::function<void(const nlohmann::json &entry)> forward, std::string run_id,
            std::chrono::steady_clock::time_point clock_start = std::chrono::steady_clock::now());
    ~Journal();
    // When mono_ms was 0.
    std::chrono::steady_clock::time_point start() const { return start_; }
    Journal(const Journal &) = delete;
    Journal &operator=(const Journal &) = delete;

    // Appends `entry` (an object) with "run", "wall" and "mono_ms" added. Thread-safe; flushed per line.
    // Every entry goes through redact_json first (no password reaches the journal), and a line is
    // written whatever its strings hold (invalid UTF-8 is replaced, never an exception).
    void write(nlohmann::json entry);

    // Called with every entry after it is written (on the writer's thread; keep it short). For
    // progress output; set it before the first write.
    void observe(std::function<void(const nlohmann::json &entry)> observer) {
        observer_ = std::move(observer);
    }

    // Monotonic milliseconds since the journal was opened (the run's clock).
    double mono_ms() const;
    const std::filesystem::path &path() const { return path_; }
    const std::string &run_id() const { return run_id_; }

  private:
    std::filesystem::path path_;
    std::string run_id_;
    std::FILE *file_ = nullptr;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point start_;
    std::function<void(const nlohmann::json &)> observer_;
    std::function<void(const nlohmann::json &)> forward_;
};

// Current UTC time as "2026-11-25T20:19:05.123Z".
std::string utc_timestamp();

}  // namespace drillhost
