#include <drillhost/sandbox/unix_socket.hpp>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <array>
#include <boost/asio.hpp>
#include <functional>

namespace drillhost::sandbox {

namespace asio = boost::asio;

std::optional<std::string> unix_socket_exchange(const std::filesystem::path &socket,
                                                const std::string &request, std::chrono::milliseconds timeout,
                                                size_t limit) {
    asio::io_context io;
    asio::local::stream_protocol::socket peer(io);
    std::string reply;
    std::array<char, 8192> chunk{};
    bool complete = false;
    std::function<void(const boost::system::error_code &, size_t)> on_read =
        [&](const boost::system::error_code &error, size_t n) {
            reply.append(chunk.data(), n);
            if (reply.size() > limit) return;
            if (error == asio::error::eof) {
                complete = true;
                return;
            }
            if (!error) peer.async_read_some(asio::buffer(chunk), on_read);
        };
    peer.async_connect(asio::local::stream_protocol::endpoint(socket.string()),
                       [&](const boost::system::error_code &error) {
                           if (error) return;
                           asio::async_write(peer, asio::buffer(request),
                                             [&](const boost::system::error_code &written, size_t) {
                                                 if (!written)
                                                     peer.async_read_some(asio::buffer(chunk), on_read);
                                             });
                       });
    io.run_for(timeout);
    if (!complete) return std::nullopt;
    return reply;
}

}  // namespace drillhost::sandbox
