#pragma once
// A small blocking HTTP/1.1 client for integration tests: one keep-alive connection, reconnects when closed.
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace todoai::testing {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;

    boost::json::value json() const;  // throws on a non-JSON body
    std::string header(const std::string& lowercase_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
  public:
    explicit HttpClient(std::uint16_t port);
    ~HttpClient();

    /// Sends one request. `method` may be any token (e.g. "BREW"); a body gets Content-Type application/json unless
    /// `headers` sets one.
    HttpResponse request(const std::string& method,
                         const std::string& target,
                         const std::string& body = {},
                         const Headers& headers = {});

    /// Same, with `Authorization: Bearer <token>`.
    HttpResponse authed(const std::string& method,
                        const std::string& target,
                        const std::string& token,
                        const std::string& body = {},
                        Headers headers = {});

    /// Writes raw bytes on a new connection and returns everything read until the server closes it (or 5 s pass).
    std::string raw(const std::string& bytes);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Signs up a fresh user; returns {user_id, token}.
std::pair<std::string, std::string> sign_up(HttpClient& client, const std::string& email);

}  // namespace todoai::testing
