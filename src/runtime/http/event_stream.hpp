#pragma once
// Server-Sent Events (the WHATWG HTML "event stream"): a GET whose response stays open and carries one event per
// frame, for clients that cannot open a WebSocket or that already read SSE. A route's handler answers with
// event_stream_response(session): the server writes the head, then hands the connection to the session exactly as a
// WebSocket's (WebSocketSession / WebSocketConnection), so one feed serves both. The server sends a comment line as
// a heartbeat, bounds the send queue in frames and bytes as for WebSockets, and ends the response on close() or
// stop(). No Beast types here.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/http/response.hpp"
#include "runtime/http/websocket.hpp"

namespace todoai::http {

struct EventStreamOptions {
    std::chrono::milliseconds heartbeat{15'000};  // a ": keep-alive" comment after this long without a frame
    std::size_t send_queue_limit = 1024;          // queued frames; beyond -> the response ends (the client reconnects)
    std::size_t send_queue_bytes = 4 << 20;       // queued bytes; beyond -> the response ends
    std::chrono::milliseconds retry{3'000};       // the reconnection delay the client is told (the `retry:` field)
};

/// What a handler returns to open an event stream: status 200, text/event-stream, no caching, and `session` attached
/// to the connection once the head is written. Extra headers may be added to it as to any response.
Response event_stream_response(std::shared_ptr<WebSocketSession> session, EventStreamOptions options = {});

/// One event in the stream's wire format: `id:` (left out when empty or when it holds a line break or NUL, which the
/// format cannot carry), `event:` when `type` is not empty, and one `data:` line per line of `data`.
std::string event_stream_frame(std::string_view id, std::string_view type, std::string_view data);

/// The session and options a stream response carries (read by the server).
struct EventStream {
    std::shared_ptr<WebSocketSession> session;
    EventStreamOptions options;
};

}  // namespace todoai::http
