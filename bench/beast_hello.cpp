// The HTTP ceiling of this machine: a bare Boost.Beast HTTP/1.1 keep-alive server that
// answers every request (any method, any path) with one fixed, task-sized JSON.
// No routing, no auth, no JSON work, no storage. Usage: beast_hello PORT [THREADS=1]
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// ~450 bytes, shaped like a todoai task (DESIGN.md, "HTTP API").
static const std::string kTask =
    R"({"id":"3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f","user_id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",)"
    R"("title":"Write the report","description":"Figures first",)"
    R"("status":"pending","completed":false,"priority":"medium","tags":["work"],)"
    R"("due_date":"2025-12-01T17:00:00Z","reminders":[{"before_due":"PT15M"}],"is_recurring":false,)"
    R"("recurrence_schedule":null,"rrule":null,"recurrence_from":"due","series_id":null,)"
    R"("created_at":"2025-11-25T18:00:00Z","updated_at":"2025-11-25T18:00:00Z","completed_at":null,"version":1})";

asio::awaitable<void> session(tcp::socket sock) {
    sock.set_option(tcp::no_delay(true));
    boost::beast::flat_buffer buf;
    for (;;) {
        http::request<http::string_body> req;
        if (auto [ec, n] = co_await http::async_read(sock, buf, req, use_tuple); ec) break;
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::server, "beast_hello");
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.body() = kTask;
        res.prepare_payload();
        if (auto [ec, n] = co_await http::async_write(sock, res, use_tuple); ec || !res.keep_alive()) break;
    }
    boost::system::error_code ignored;
    sock.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> listener(tcp::acceptor acc) {
    for (;;) {
        auto [ec, sock] = co_await acc.async_accept(use_tuple);
        if (!ec) asio::co_spawn(acc.get_executor(), session(std::move(sock)), asio::detached);
    }
}

int main(int argc, char** argv) {
    if (argc < 2) { std::fprintf(stderr, "usage: %s PORT [THREADS=1]\n", argv[0]); return 2; }
    const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
    const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
    asio::io_context ioc{threads};
    tcp::acceptor acc{ioc, {asio::ip::make_address("127.0.0.1"), port}};
    std::printf("beast_hello listening on http://127.0.0.1:%u (%d thread%s, %zu-byte body)\n",
                acc.local_endpoint().port(), threads, threads == 1 ? "" : "s", kTask.size());
    std::fflush(stdout);
    asio::co_spawn(ioc, listener(std::move(acc)), asio::detached);
    std::vector<std::jthread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
}
