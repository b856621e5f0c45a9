#pragma once
// A Beast WebSocket client for tests. Every operation runs the client's own io_context until it completes or a
// deadline passes (then the socket is closed and the test fails): no sleeps, no hangs.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace todoai::testing {

namespace ws_net = boost::asio;
namespace ws_beast = boost::beast;

class WsClient {
  public:
    using tcp = ws_net::ip::tcp;
    static constexpr std::chrono::milliseconds kDeadline{5000};

    struct Read {
        ws_beast::error_code ec;
        std::string text;
        bool binary = false;
    };

    explicit WsClient(std::uint16_t port, std::optional<int> receive_buffer = std::nullopt) : port_(port) {
        auto& socket = ws_.next_layer();
        socket.open(tcp::v4());
        if (receive_buffer) socket.set_option(ws_net::socket_base::receive_buffer_size(*receive_buffer));
        ws_beast::error_code ec;
        socket.connect(tcp::endpoint(ws_net::ip::make_address_v4("127.0.0.1"), port_), ec);
        EXPECT_FALSE(ec) << "connect: " << ec.message();
        ws_.control_callback([this](ws_beast::websocket::frame_type kind, ws_beast::string_view) {
            if (kind == ws_beast::websocket::frame_type::ping) ++pings;
        });
    }

    ws_beast::websocket::stream<tcp::socket>& stream() { return ws_; }
    ws_net::io_context& context() { return ioc_; }

    /// The opening handshake; `response` holds the server's answer (101, or e.g. the 401 problem).
    ws_beast::error_code handshake(const std::string& target, const std::string& subprotocols = "") {
        ws_.set_option(
            ws_beast::websocket::stream_base::decorator([subprotocols](ws_beast::websocket::request_type& req) {
                if (!subprotocols.empty()) req.set(ws_beast::http::field::sec_websocket_protocol, subprotocols);
            }));
        std::optional<ws_beast::error_code> result;
        ws_.async_handshake(response, "127.0.0.1:" + std::to_string(port_), target,
                            [&](ws_beast::error_code ec) { result = ec; });
        run_until([&] { return result.has_value(); });
        return result.value_or(ws_net::error::timed_out);
    }

    Read read(std::chrono::milliseconds deadline = kDeadline) {
        std::optional<Read> result;
        buffer_.clear();
        ws_.async_read(buffer_, [&](ws_beast::error_code ec, std::size_t) {
            Read r;
            r.ec = ec;
            r.text = ws_beast::buffers_to_string(buffer_.data());
            r.binary = ws_.got_binary();
            result = std::move(r);
        });
        run_until([&] { return result.has_value(); }, deadline);
        if (!result) return Read{ws_net::error::timed_out, {}, false};
        return *result;
    }

    /// Reads until the connection closes (skipping messages); the close code, or -1 on a timeout or a reset.
    int read_until_closed(std::chrono::milliseconds deadline = kDeadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return -1;
            auto r = read(left);
            if (r.ec == ws_beast::websocket::error::closed) return static_cast<int>(ws_.reason().code);
            if (r.ec) return -1;
            ++messages_before_close;
        }
    }

    ws_beast::error_code write(const std::string& text, bool binary = false) {
        ws_.binary(binary);
        std::optional<ws_beast::error_code> result;
        ws_.async_write(ws_net::buffer(text), [&](ws_beast::error_code ec, std::size_t) { result = ec; });
        run_until([&] { return result.has_value(); });
        return result.value_or(ws_net::error::timed_out);
    }

    ws_beast::error_code close(ws_beast::websocket::close_code code = ws_beast::websocket::close_code::normal) {
        std::optional<ws_beast::error_code> result;
        ws_.async_close(code, [&](ws_beast::error_code ec) { result = ec; });
        run_until([&] { return result.has_value(); });
        return result.value_or(ws_net::error::timed_out);
    }

    /// Runs the io_context until `done()` or the deadline; on the deadline closes the socket (cancelling the
    /// operation) and returns false.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = kDeadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        ioc_.restart();
        while (!done()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= until) {
                ws_beast::error_code ignored;
                ws_.next_layer().close(ignored);
                ioc_.restart();
                ioc_.run_for(std::chrono::milliseconds(100));  // let the cancelled handler run
                return false;
            }
            if (ioc_.stopped()) ioc_.restart();
            ioc_.run_one_for(until - now);
        }
        return true;
    }

    ws_beast::websocket::response_type response;
    int pings = 0;
    int messages_before_close = 0;

  private:
    std::uint16_t port_;
    ws_net::io_context ioc_;
    ws_beast::websocket::stream<tcp::socket> ws_{ioc_};
    ws_beast::flat_buffer buffer_;
};

/// One plain HTTP/1.1 GET (for non-upgrade answers), with the same deadline discipline.
inline ws_beast::http::response<ws_beast::http::string_body> http_get(std::uint16_t port, const std::string& target) {
    ws_net::io_context ioc;
    ws_net::ip::tcp::socket socket(ioc);
    ws_beast::error_code ec;
    socket.connect(ws_net::ip::tcp::endpoint(ws_net::ip::make_address_v4("127.0.0.1"), port), ec);
    EXPECT_FALSE(ec) << ec.message();
    ws_beast::http::request<ws_beast::http::string_body> req{ws_beast::http::verb::get, target, 11};
    req.set(ws_beast::http::field::host, "127.0.0.1");
    req.set(ws_beast::http::field::connection, "close");
    ws_beast::http::response<ws_beast::http::string_body> res;
    ws_beast::flat_buffer buffer;
    bool done = false;
    ws_beast::http::async_write(socket, req, [&](ws_beast::error_code wec, std::size_t) {
        if (wec) {
            done = true;
            return;
        }
        ws_beast::http::async_read(socket, buffer, res, [&](ws_beast::error_code, std::size_t) { done = true; });
    });
    ioc.run_for(std::chrono::seconds(5));
    EXPECT_TRUE(done) << "no answer to GET " << target;
    return res;
}

}  // namespace todoai::testing
