#include "worker_protocol.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace drillhost::worker {

bool LineWriter::send(const nlohmann::json &message) {
    std::string line = dump_json(message) + "\n";
    std::lock_guard lock(mutex_);
    const char *data = line.data();
    size_t left = line.size();
    while (left > 0) {
        // MSG_NOSIGNAL: a parent or worker that died must not kill this side with SIGPIPE.
        ssize_t sent = ::send(fd_, data, left, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return false;
        data += sent;
        left -= static_cast<size_t>(sent);
    }
    return true;
}

std::optional<std::string> LineReader::take_line() {
    auto newline = buffer_.find('\n');
    if (newline == std::string::npos) return std::nullopt;
    std::string line = buffer_.substr(0, newline);
    buffer_.erase(0, newline + 1);
    return line;
}

std::optional<std::string> LineReader::next_line(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        if (auto line = take_line()) return line;
        if (buffer_.size() > max_message_bytes)
            throw InfraError("worker protocol: a message longer than " + std::to_string(max_message_bytes) +
                             " bytes");
        if (closed_) return std::nullopt;
        int timeout_ms = -1;
        if (wait.count() >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() < 0) return std::nullopt;
            timeout_ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
        }
        pollfd p{fd_, POLLIN, 0};
        int ready = ::poll(&p, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) throw InfraError("worker protocol: poll failed");
        if (ready == 0) {
            if (wait.count() >= 0) return std::nullopt;
            continue;
        }
        char chunk[65536];
        ssize_t got = ::read(fd_, chunk, sizeof chunk);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got <= 0) {
            closed_ = true;  // a half line left by a peer that died is dropped with it
            continue;
        }
        buffer_.append(chunk, static_cast<size_t>(got));
    }
}

}  // namespace drillhost::worker
