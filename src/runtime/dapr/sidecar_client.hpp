#pragma once
// The app's HTTP client to its Dapr sidecar (daprd's HTTP API on DAPR_HOST:DAPR_HTTP_PORT). One keep-alive
// connection, reopened when it broke; every call carries `dapr-api-token` when DAPR_API_TOKEN is set (daprd answers
// 401 without it). Beast stays in sidecar_client.cpp.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/http/request.hpp"

namespace todoai::dapr {

struct SidecarOptions {
    std::string host = "127.0.0.1";  // DAPR_HOST
    std::uint16_t http_port = 3500;  // DAPR_HTTP_PORT
    std::string api_token;           // DAPR_API_TOKEN: sent as dapr-api-token on every call
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds request_timeout{5000};
    std::size_t response_limit = 8 << 20;
};

struct SidecarResponse {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
};

/// The sidecar could not be reached, broke the connection or did not answer in time.
class SidecarError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class SidecarClient {
  public:
    explicit SidecarClient(SidecarOptions options);
    ~SidecarClient();
    SidecarClient(const SidecarClient&) = delete;
    SidecarClient& operator=(const SidecarClient&) = delete;

    /// One request to daprd (`target` is path + query, e.g. "/v1.0/publish/kafka-pubsub/task-events?..."). Returns
    /// its answer, any status. A reused connection that turns out closed is reopened once (daprd closes idle ones);
    /// otherwise throws SidecarError naming host:port.
    SidecarResponse call(http::Method method,
                         std::string_view target,
                         std::string_view body = {},
                         std::string_view content_type = "application/json",
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

    /// Polls GET /v1.0/healthz/outbound (204: daprd's components are up, so publishing and invoking work) every
    /// `poll` until it answers 204, `timeout` passes or `*stop` turns true. Returns whether it answered 204.
    bool wait_outbound(std::chrono::milliseconds timeout,
                       const std::atomic<bool>* stop = nullptr,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(100));

    /// "host:port", for messages.
    std::string address() const;
    const SidecarOptions& options() const { return options_; }

  private:
    struct Connection;
    SidecarOptions options_;
    std::mutex mutex_;  // one request in flight on the connection
    std::unique_ptr<Connection> connection_;
};

/// `text` percent-encoded for a URL path segment or query value (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

}  // namespace todoai::dapr
