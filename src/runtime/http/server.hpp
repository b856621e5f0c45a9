#pragma once
// The HTTP/1.1 server (Boost.Beast, C++20 coroutines). Beast stays inside server.cpp.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/http/metrics.hpp"
#include "runtime/http/request.hpp"
#include "runtime/http/response.hpp"
#include "runtime/http/websocket.hpp"

namespace todoai::http {

struct ServerOptions {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8000;        // 0 picks a free port; listen() returns it
    std::size_t threads = 0;          // io threads; 0 = hardware concurrency
    std::size_t worker_threads = 0;   // handlers run on these, not the io threads; 0 = max(4, 2 x io threads)
    std::size_t worker_queue = 4096;  // requests waiting for a worker; beyond -> 503 with Retry-After
    std::vector<std::string> inline_paths{"/health", "/metrics"};  // never block: answered on the io thread
    std::size_t body_limit = 1 << 20;                // bytes; larger Content-Length -> 413 before the body is read
    std::size_t header_limit = 16 * 1024;            // bytes; larger -> 431
    std::chrono::milliseconds read_timeout{30'000};  // to receive a whole request (header and body) from its first byte
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection with no request
    std::chrono::milliseconds drain_timeout{10'000};  // on stop(): in-flight requests get this long
    std::size_t max_connections = 0;  // open connections (WebSockets too); 0 = below the descriptor limit. At the cap
                                      // a new client sheds the longest-idle, else the slowest-sending, connection
    bool access_log = true;           // one JSON line per request
    std::string cors_origins;         // comma-separated allowed origins, "*" for any, empty = no CORS headers
};

class Server {
  public:
    /// `handler` answers every request (usually Router::dispatch), on a worker thread (inline_paths on the io thread),
    /// so it may block on a store; it must be thread-safe.
    Server(ServerOptions options, std::function<Response(Request&)> handler, Metrics& metrics);
    ~Server();

    /// Serves WebSocket upgrades of GET `path` (exact match, before the handler sees the request): `acceptor` decides
    /// (its HttpError is answered without upgrading), then the connection runs with `options`. A request for `path`
    /// that is not an upgrade gets 426. stop() closes WebSockets with 1001 (going away). Call before listen().
    /// Connections handed to sessions must not be used after the Server is destroyed (hold weak_ptrs beyond it).
    void add_websocket(std::string path, WebSocketAcceptor acceptor, WebSocketOptions options = {});

    /// Binds and listens; throws std::runtime_error naming host:port and the reason (e.g. "address in use").
    std::uint16_t listen();

    /// Serves until stop(); blocks the calling thread (which becomes one of the io threads).
    void run();

    /// Graceful: stops accepting, lets in-flight requests finish (Connection: close on their responses), then after
    /// drain_timeout closes what is left. Safe to call from any thread or a signal handler context via asio.
    void stop();

    /// Connections open now (HTTP and WebSocket), not counting those being shed.
    std::size_t open_connections() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace todoai::http
