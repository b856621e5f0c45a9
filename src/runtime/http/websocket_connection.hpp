#pragma once
// Internal to runtime/http (server.cpp only): the server hands an upgraded TCP socket and the accepted upgrade
// request to start_websocket(), which does the handshake and runs the connection. Services use websocket.hpp.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>

#include "runtime/http/request.hpp"
#include "runtime/http/websocket.hpp"

namespace todoai::http::detail {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using WebSocketSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Strand>;

/// What the server keeps of a live WebSocket: it closes them with 1001 on stop() and aborts what is left after the
/// drain deadline.
class ServerWebSocket : public WebSocketConnection {
  public:
    /// Closes the socket now, without a closing handshake.
    virtual void abort() = 0;
};

/// Called once, on the connection's strand, when the connection has ended (closed, failed or aborted).
using WebSocketEnded = std::function<void(ServerWebSocket*)>;

/// Accepts the upgrade (echoing accept.subprotocol when non-empty) and runs the connection on the socket's strand.
/// `request` is only read before this returns.
std::shared_ptr<ServerWebSocket> start_websocket(WebSocketSocket socket,
                                                 const Request& request,
                                                 WebSocketAccept accept,
                                                 const WebSocketOptions& options,
                                                 WebSocketEnded on_end);

}  // namespace todoai::http::detail
