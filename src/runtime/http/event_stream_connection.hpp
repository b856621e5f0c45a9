#pragma once
// Internal to runtime/http (server.cpp only): the server hands the socket of a request answered with an event stream,
// and the response head it built, to start_event_stream(), which writes the head and runs the stream.
#include <memory>
#include <string>

#include "runtime/http/event_stream.hpp"
#include "runtime/http/websocket_connection.hpp"

namespace todoai::http::detail {

/// Writes `head`, opens the session, then writes what the session sends until it closes, the client goes away or
/// the server aborts it. Runs on the socket's strand; `on_end` as for a WebSocket.
std::shared_ptr<ServerWebSocket> start_event_stream(WebSocketSocket socket,
                                                    std::string head,
                                                    const EventStream& stream,
                                                    WebSocketEnded on_end);

}  // namespace todoai::http::detail
