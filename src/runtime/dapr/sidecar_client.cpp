#include "runtime/dapr/sidecar_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <optional>
#include <thread>

namespace todoai::dapr {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

bhttp::verb verb_of(http::Method method) {
    switch (method) {
        case http::Method::get:
            return bhttp::verb::get;
        case http::Method::head:
            return bhttp::verb::head;
        case http::Method::post:
            return bhttp::verb::post;
        case http::Method::put:
            return bhttp::verb::put;
        case http::Method::patch:
            return bhttp::verb::patch;
        case http::Method::del:
            return bhttp::verb::delete_;
        case http::Method::options:
            return bhttp::verb::options;
        case http::Method::other:
            break;
    }
    throw SidecarError("cannot call the sidecar with an unknown HTTP method");
}

}  // namespace

struct SidecarClient::Connection {
    net::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    bool open = false;
};

SidecarClient::SidecarClient(SidecarOptions options)
    : options_(std::move(options)), connection_(std::make_unique<Connection>()) {}

SidecarClient::~SidecarClient() = default;

std::string SidecarClient::address() const { return options_.host + ":" + std::to_string(options_.http_port); }

SidecarResponse SidecarClient::call(http::Method method,
                                    std::string_view target,
                                    std::string_view body,
                                    std::string_view content_type,
                                    const std::vector<std::pair<std::string, std::string>>& headers) {
    bhttp::request<bhttp::string_body> req{verb_of(method), std::string(target), 11};
    req.set(bhttp::field::host, address());
    req.set(bhttp::field::user_agent, "todoai");
    if (!options_.api_token.empty()) req.set("dapr-api-token", options_.api_token);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty()) req.set(bhttp::field::content_type, content_type);
    req.keep_alive(true);
    req.body() = std::string(body);
    req.prepare_payload();

    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    for (int attempt = 1;; ++attempt) {
        const bool reused = c.open;
        beast::error_code ec;
        if (!c.open) {
            c.io.restart();
            c.buffer.clear();
            tcp::resolver resolver(c.io);
            const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.http_port), ec);
            if (ec) throw SidecarError("cannot resolve the Dapr sidecar " + address() + ": " + ec.message());
            c.stream.expires_after(options_.connect_timeout);
            c.stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
            c.io.run();
            if (ec)
                throw SidecarError("cannot connect to the Dapr sidecar at " + address() + ": " +
                                   (ec == beast::error::timeout ? std::string("timed out") : ec.message()));
            c.open = true;
        }
        c.io.restart();
        c.stream.expires_after(options_.request_timeout);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(options_.response_limit);
        bool wrote = false;
        bhttp::async_write(c.stream, req, [&](beast::error_code e, std::size_t) {
            ec = e;
            wrote = !e;
            if (!e) bhttp::async_read(c.stream, c.buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
        });
        c.io.run();
        if (ec) {
            beast::error_code ignored;
            c.stream.socket().close(ignored);
            c.open = false;
            // daprd closes idle keep-alive connections: a reused one that fails before any answer byte is stale,
            // and the request is sent again on a fresh one (at most once; publishes are absorbed by idempotency).
            const bool stale = reused && (ec == bhttp::error::end_of_stream || ec == net::error::connection_reset ||
                                          ec == net::error::broken_pipe || (!wrote && ec != beast::error::timeout));
            if (stale && attempt == 1) continue;
            if (ec == beast::error::timeout)
                throw SidecarError("no answer from the Dapr sidecar at " + address() + " within " +
                                   std::to_string(options_.request_timeout.count()) + " ms (" + std::string(target) +
                                   ")");
            throw SidecarError("the connection to the Dapr sidecar at " + address() + " failed (" +
                               std::string(target) + "): " + ec.message());
        }
        auto res = parser.release();
        SidecarResponse out{.status = static_cast<int>(res.result_int()), .body = std::move(res.body())};
        for (const auto& field : res) {
            std::string name(field.name_string());
            for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            out.headers.emplace_back(std::move(name), std::string(field.value()));
        }
        if (!res.keep_alive()) {
            beast::error_code ignored;
            c.stream.socket().close(ignored);
            c.open = false;
        }
        return out;
    }
}

bool SidecarClient::wait_outbound(std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* stop,
                                  std::chrono::milliseconds poll) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        try {
            if (call(http::Method::get, "/v1.0/healthz/outbound").status == 204) return true;
        } catch (const SidecarError&) {
            // Not up yet: keep polling until the deadline.
        }
        if ((stop != nullptr && *stop) || std::chrono::steady_clock::now() + poll > deadline) return false;
        std::this_thread::sleep_for(poll);
    }
}

std::string url_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto u = static_cast<unsigned char>(ch);
        if (std::isalnum(u) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

}  // namespace todoai::dapr
