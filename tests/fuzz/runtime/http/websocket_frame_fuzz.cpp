// The WebSocket frame reader of runtime/http/websocket_connection.cpp (Beast's framing, our size, type and flood
// limits, the closing handshake) on the bytes a client sends after the upgrade. The connection runs unchanged on one
// end of a socketpair: it only reads and writes its socket, so a Unix stream socket stands in for TCP and no seam is
// needed. Each message is echoed back, so the send queue and the write loop run too.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/http/websocket_connection.hpp"

namespace {

namespace net = boost::asio;
using todoai::http::detail::WebSocketSocket;

class Echo final : public todoai::http::WebSocketSession {
  public:
    void on_open(std::shared_ptr<todoai::http::WebSocketConnection> connection) override {
        connection_ = std::move(connection);
    }
    void on_message(std::string_view text) override {
        if (connection_) connection_->send(std::string(text));
    }
    void on_close() override { connection_.reset(); }

  private:
    std::shared_ptr<todoai::http::WebSocketConnection> connection_;
};

todoai::http::Request upgrade_request() {
    todoai::http::Request req;
    req.target = "/ws";
    req.path = "/ws";
    req.headers = {{"host", "localhost"},
                   {"upgrade", "websocket"},
                   {"connection", "Upgrade"},
                   {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
                   {"sec-websocket-version", "13"}};
    return req;
}

// Reads and drops what the server writes, until it closes its end.
void drain(net::local::stream_protocol::socket& peer, std::shared_ptr<std::array<char, 4096>> buf) {
    peer.async_read_some(net::buffer(*buf), [&peer, buf](boost::system::error_code ec, std::size_t) {
        if (!ec) drain(peer, buf);
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Written before the connection runs: it must fit the socket's buffer (a few hundred KiB), and the message limit
    // (64 KiB) is what matters beyond it.
    if (size > 96 * 1024) return 0;
    static const auto request = upgrade_request();
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
    int sndbuf = 256 * 1024;
    setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    std::size_t written = 0;
    while (written < size) {
        const auto n = ::write(fds[1], data + written, size - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::shutdown(fds[1], SHUT_WR);  // end of the client's input: the read loop ends after the last frame

    net::io_context io;
    WebSocketSocket server_end(net::make_strand(io));
    server_end.assign(net::ip::tcp::v4(), fds[0]);
    net::local::stream_protocol::socket peer(io);
    peer.assign(net::local::stream_protocol(), fds[1]);
    drain(peer, std::make_shared<std::array<char, 4096>>());

    todoai::http::WebSocketOptions options;
    options.heartbeat = std::chrono::milliseconds{0};  // no timers: the run ends when the input does
    bool ended = false;
    auto connection = todoai::http::detail::start_websocket(std::move(server_end), request,
                                                            {.session = std::make_shared<Echo>(), .subprotocol = ""},
                                                            options, [&ended](auto*) { ended = true; });
    io.run();
    if (!ended) __builtin_trap();
    return 0;
}
