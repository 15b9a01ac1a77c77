// The wire between a parent and its worker process: one JSON object per line, both ways. Parent to
// worker: the job (first line), then {"cancel": reason}. Worker to parent: {"m": "journal" | "log" |
// "result" | "revert" | "failed", ...}. Internal to the core.
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace drillhost::worker {

// Far above any real message (a journal entry or a log line); a longer line is a broken worker.
constexpr size_t max_message_bytes = 8u << 20;

// Writes whole lines to a descriptor; thread-safe. A peer that is gone is not an error here: the
// other side notices the pipe closing.
class LineWriter {
  public:
    explicit LineWriter(int fd) : fd_(fd) {}
    // false when the peer is gone.
    bool send(const nlohmann::json &message);

  private:
    int fd_;
    std::mutex mutex_;
};

// Reads lines from a descriptor it does not own.
class LineReader {
  public:
    explicit LineReader(int fd) : fd_(fd) {}
    // The next complete line, waiting up to `wait` (negative: without limit). nullopt when none came
    // in time or the peer closed (then closed() is true). Throws InfraError for a line longer than
    // max_message_bytes.
    std::optional<std::string> next_line(std::chrono::milliseconds wait);
    bool closed() const { return closed_ && buffer_.find('\n') == std::string::npos; }

  private:
    std::optional<std::string> take_line();
    int fd_;
    std::string buffer_;
    bool closed_ = false;
};

}  // namespace drillhost::worker
