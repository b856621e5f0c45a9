#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <stdexcept>

namespace todoai::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

boost::json::value HttpResponse::json() const { return boost::json::parse(body); }

std::string HttpResponse::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
}

struct HttpClient::Impl {
    std::uint16_t port;
    net::io_context io;
    std::unique_ptr<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    void connect() {
        stream = std::make_unique<beast::tcp_stream>(io);
        stream->expires_after(std::chrono::seconds(30));
        stream->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        buffer.clear();
    }
};

HttpClient::HttpClient(std::uint16_t port) : impl_(std::make_unique<Impl>()) { impl_->port = port; }
HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(const std::string& method,
                                 const std::string& target,
                                 const std::string& body,
                                 const Headers& headers) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
        req.set(k, v);
        if (beast::iequals(k, "content-type")) has_type = true;
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();

    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!impl_->stream) impl_->connect();
        beast::error_code ec;
        impl_->stream->expires_after(std::chrono::seconds(60));
        http::write(*impl_->stream, req, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        parser.skip(method == "HEAD");
        if (!ec) http::read(*impl_->stream, impl_->buffer, parser, ec);
        if (ec) {
            impl_->stream.reset();  // the server closed a kept-alive connection: retry once on a new one
            if (attempt == 1) throw std::runtime_error("HTTP " + method + " " + target + " failed: " + ec.message());
            continue;
        }
        auto res = parser.release();
        HttpResponse out;
        out.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            std::string name(field.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            out.headers[name] = std::string(field.value());
        }
        out.body = std::move(res.body());
        if (!res.keep_alive()) impl_->stream.reset();
        return out;
    }
    throw std::runtime_error("unreachable");
}

HttpResponse HttpClient::authed(const std::string& method,
                                const std::string& target,
                                const std::string& token,
                                const std::string& body,
                                Headers headers) {
    headers.emplace_back("Authorization", "Bearer " + token);
    return request(method, target, body, headers);
}

std::string HttpClient::raw(const std::string& bytes) {
    beast::tcp_stream stream(impl_->io);
    stream.expires_after(std::chrono::seconds(5));
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), impl_->port));
    beast::error_code ec;
    net::write(stream, net::buffer(bytes), ec);
    std::string out;
    char buf[4096];
    while (!ec) {
        auto n = stream.read_some(net::buffer(buf), ec);
        out.append(buf, n);
    }
    return out;
}

std::pair<std::string, std::string> sign_up(HttpClient& client, const std::string& email) {
    boost::json::object body{{"email", email}, {"password", "correct horse battery"}, {"name", "Test User"}};
    auto res = client.request("POST", "/api/auth/sign-up", boost::json::serialize(body));
    if (res.status != 201) throw std::runtime_error("sign-up failed: " + std::to_string(res.status) + " " + res.body);
    auto json = res.json();
    return {std::string(json.at("user").at("id").as_string()), std::string(json.at("token").as_string())};
}

}  // namespace todoai::testing
