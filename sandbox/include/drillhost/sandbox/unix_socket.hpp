// One request and its whole reply over a Unix socket (HAProxy's stats socket), bounded in time and
// size: a daemon that hangs or floods costs `timeout` and at most `limit` bytes, never a hang.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace drillhost::sandbox {

// The reply, read until the peer closes; nullopt when the socket cannot be reached, the reply does
// not end within `timeout` or grows past `limit` bytes.
std::optional<std::string> unix_socket_exchange(const std::filesystem::path &socket,
                                                const std::string &request, std::chrono::milliseconds timeout,
                                                size_t limit = 16 * 1024 * 1024);

}  // namespace drillhost::sandbox
