#pragma once
// WebSocket endpoints on the HTTP server. The server does the upgrade, framing, ping/pong heartbeats, size and rate
// limits and a bounded send queue; a service supplies an acceptor (authenticates the upgrade request) and a session
// (what to do with the connection). No Beast types here.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/http/request.hpp"

namespace todoai::http {

/// The server's side of one open connection; thread-safe.
class WebSocketConnection {
  public:
    virtual ~WebSocketConnection() = default;
    /// Queues a text frame, shared with every other connection it is sent to (a broadcast holds one copy). When the
    /// queue is full (frames or bytes, or the process-wide byte budget while this client lags) the client is too
    /// slow: the connection is closed with 1008 ("send queue full") and false is returned. False too once closing.
    virtual bool send(std::shared_ptr<const std::string> frame) = 0;
    bool send(std::string text) { return send(std::make_shared<const std::string>(std::move(text))); }
    /// Closes with a status code (RFC 6455 §7.4) and a reason (≤ 123 bytes).
    virtual void close(int code, std::string reason) = 0;
};

/// The service's side. Callbacks run on an io thread: keep them short.
class WebSocketSession {
  public:
    virtual ~WebSocketSession() = default;
    virtual void on_open(std::shared_ptr<WebSocketConnection> connection) = 0;
    virtual void on_message(std::string_view text) = 0;
    virtual void on_close() = 0;
};

struct WebSocketAccept {
    std::shared_ptr<WebSocketSession> session;
    std::string subprotocol;  // echoed in Sec-WebSocket-Protocol when non-empty
};

/// Called with the upgrade request before the upgrade; throw HttpError to refuse (e.g. 401), which is answered as
/// problem+json without upgrading.
using WebSocketAcceptor = std::function<WebSocketAccept(Request&)>;

struct WebSocketOptions {
    std::size_t max_message_bytes = 64 * 1024;  // larger client frame/message -> close 1009
    std::size_t send_queue_limit = 1024;        // queued frames per connection; beyond -> close 1008
    std::size_t send_queue_bytes = 4 << 20;     // queued bytes per connection; beyond -> close 1008
    // Queued bytes of all connections together: past it, a connection already lagging (over 64 KiB queued) is closed
    // instead of queueing more, so many slow readers cannot pin the process's memory between them.
    std::size_t send_queue_total_bytes = 256 << 20;
    std::chrono::milliseconds heartbeat{30'000};  // ping interval; no pong by the next ping -> close
    int max_client_messages_per_second = 20;      // a flood -> close 1008
};

}  // namespace todoai::http
