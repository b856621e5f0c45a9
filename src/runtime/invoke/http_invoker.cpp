#include "runtime/invoke/http_invoker.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>
#include <thread>

namespace todoai::invoke {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

beast::http::verb verb_of(http::Method method) {
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
    throw InvokeError("cannot invoke with an unknown HTTP method");
}

bool retryable_status(int status) { return status == 502 || status == 503 || status == 504; }

// One attempt's outcome: an answer, or why there is none and whether another attempt may help.
struct Attempt {
    std::optional<InvokeResponse> response;
    bool retryable = false;
    std::string failure;
};

}  // namespace

struct HttpInvoker::Target {
    std::string host, port, prefix, base_url;
};

HttpInvoker::HttpInvoker(HttpInvokerOptions options) : options_(std::move(options)) {
    for (const auto& [app_id, base] : options_.targets) {
        const auto url = boost::urls::parse_absolute_uri(base);
        if (!url || url->scheme() != "http" || url->host().empty() || url->has_query())
            throw std::invalid_argument("the URL of '" + app_id + "' must be http://host[:port][/prefix], not '" +
                                        base + "'");
        Target t{.host = url->host(),
                 .port = url->has_port() ? std::string(url->port()) : "80",
                 .prefix = url->path(),
                 .base_url = base};
        while (!t.prefix.empty() && t.prefix.back() == '/') t.prefix.pop_back();
        targets_.emplace(app_id, std::move(t));
    }
}

HttpInvoker::~HttpInvoker() = default;

namespace {

Attempt send_once(const std::string& host,
                  const std::string& port,
                  const bhttp::request<bhttp::string_body>& req,
                  const HttpInvokerOptions& options) {
    net::io_context io;
    beast::tcp_stream stream(io);
    beast::error_code ec;

    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return {.retryable = true, .failure = "cannot resolve " + host + ": " + ec.message()};

    stream.expires_after(options.connect_timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    io.run();
    if (ec)
        return {.retryable = true,
                .failure = "cannot connect to " + host + ":" + port + ": " +
                           (ec == beast::error::timeout ? std::string("timed out") : ec.message())};

    // Write and read under one deadline.
    io.restart();
    stream.expires_after(options.request_timeout);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.response_limit);
    bhttp::async_write(stream, req, [&](beast::error_code e, std::size_t) {
        ec = e;
        if (!e) bhttp::async_read(stream, buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    io.run();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (ec == beast::error::timeout)
        return {.failure = "no answer from " + host + ":" + port + " within " +
                           std::to_string(options.request_timeout.count()) + " ms"};
    if (ec == bhttp::error::body_limit)
        return {.failure = "the answer from " + host + ":" + port + " is larger than " +
                           std::to_string(options.response_limit) + " bytes"};
    // The connection broke (reset, closed before the whole answer): the request may or may not have been handled;
    // safe to repeat. A malformed answer is not a broken connection: sending again would get the same.
    if (ec) {
        const bool malformed = ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
                               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
        return {.retryable = !malformed,
                .failure = (malformed ? "a malformed answer from " : "the connection failed to ") + host + ":" + port +
                           ": " + ec.message()};
    }
    auto res = parser.release();
    return {.response = InvokeResponse{static_cast<int>(res.result_int()), std::move(res.body())}};
}

}  // namespace

InvokeResponse HttpInvoker::invoke(const InvokeRequest& request) {
    const auto found = targets_.find(request.app_id);
    if (found == targets_.end()) {
        std::string known;
        for (const auto& [id, t] : targets_) known += (known.empty() ? "'" : ", '") + id + "'";
        throw InvokeError("no URL for service '" + request.app_id + "' (known: " + (known.empty() ? "none" : known) +
                          ")");
    }
    const Target& target = found->second;

    bhttp::request<bhttp::string_body> req{verb_of(request.method), target.prefix + request.path, 11};
    req.set(bhttp::field::host, target.host + ":" + target.port);
    req.set(bhttp::field::user_agent, "todoai");
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
        req.set(name, value);
        has_content_type = has_content_type || beast::iequals(name, "content-type");
    }
    if (!request.body.empty() && !has_content_type) req.set(bhttp::field::content_type, "application/json");
    req.keep_alive(false);
    req.body() = request.body;
    req.prepare_payload();

    auto backoff = options_.initial_backoff;
    const int attempts = std::max(1, options_.max_attempts);
    for (int attempt = 1;; ++attempt) {
        auto outcome = send_once(target.host, target.port, req, options_);
        const bool last = attempt >= attempts;
        if (outcome.response && (last || !retryable_status(outcome.response->status))) return *outcome.response;
        if (!outcome.response && (last || !outcome.retryable))
            throw InvokeError(request.app_id + " (" + target.base_url + "): " + outcome.failure +
                              (attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : ""));
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
    }
}

}  // namespace todoai::invoke
