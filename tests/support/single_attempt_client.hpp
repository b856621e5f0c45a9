#pragma once
// An HTTP/1.1 client that sends each request exactly once (no silent retry on a new connection), for crash tests:
// when the server dies mid-request the outcome is unknown, and resending a POST could apply it twice.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "support/http_client.hpp"

namespace todoai::testing {

class SingleAttemptClient {
  public:
    explicit SingleAttemptClient(std::uint16_t port) : port_(port) {}

    /// The response, or nullopt if the connection failed before a whole response arrived (outcome unknown).
    std::optional<HttpResponse> send(const std::string& method,
                                     const std::string& target,
                                     const std::string& token,
                                     const std::string& body = {},
                                     std::chrono::seconds timeout = std::chrono::seconds(10)) {
        namespace beast = boost::beast;
        namespace http = beast::http;
        beast::error_code ec;
        if (!stream_) {
            stream_ = std::make_unique<beast::tcp_stream>(io_);
            stream_->expires_after(timeout);
            stream_->connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
            buffer_.clear();
            if (ec) {
                stream_.reset();
                return std::nullopt;
            }
        }
        http::request<http::string_body> req;
        req.method_string(method);
        req.target(target);
        req.version(11);
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::authorization, "Bearer " + token);
        if (!body.empty()) req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        stream_->expires_after(timeout);
        http::write(*stream_, req, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (!ec) http::read(*stream_, buffer_, parser, ec);
        if (ec) {
            stream_.reset();
            return std::nullopt;
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
        if (!res.keep_alive()) stream_.reset();
        return out;
    }

  private:
    std::uint16_t port_;
    boost::asio::io_context io_;
    std::unique_ptr<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
};

}  // namespace todoai::testing
