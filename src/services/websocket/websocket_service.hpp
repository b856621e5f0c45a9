#pragma once
// The websocket service: GET /ws pushes each user's task and reminder events (the CloudEvent text as published) to
// that user's open connections, within milliseconds of the commit, and replays what a reconnecting client missed.
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/http/router.hpp"
#include "runtime/http/websocket.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/topic_layout.hpp"
#include "runtime/store/database.hpp"

namespace todoai::websocket {

namespace detail {
struct FeedCore;  // the hub and the handler's dependencies, shared with the connections' sessions
}

inline constexpr std::string_view kServiceName = "websocket-service";  // consumer group and processed-marker suffix
inline constexpr std::string_view kPath = "/ws";
inline constexpr std::string_view kEventsSuffix = "/events";  // under /api/{user_id} and /api

struct WebSocketServiceOptions {
    std::chrono::milliseconds heartbeat{30'000};  // WS_HEARTBEAT_INTERVAL: ping interval; no pong by the next -> close
    std::size_t max_replay = 500;                 // more missed events than this -> resync instead of a replay
    std::chrono::hours retention{24};             // recent events kept this long for ?after= ...
    std::int64_t keep_per_user = 10'000;          // ... and at most this many per user
    std::size_t send_queue_limit = 1024;          // frames queued per connection; beyond -> close 1008
    // The processed-marker suffix. Replicas sharing one store each need their own (e.g. "websocket-service.<pod>"):
    // every replica must push every event to its own connections.
    std::string consumer = std::string(kServiceName);
};

class WebSocketService {
  public:
    /// `db` is the websocket service's own store, migrated with migrations(); `jwt` authenticates the upgrade.
    WebSocketService(store::Database& db,
                     const Clock& clock,
                     const auth::JwtCodec& jwt,
                     WebSocketServiceOptions options = {});
    ~WebSocketService();

    static std::span<const store::Migration> migrations();

    /// Subscribes handle_batch() to every topic of `topics` (task and reminder events) as group
    /// "websocket-service". Call before bus.start().
    void subscribe(pubsub::Bus& bus, const pubsub::Topics& topics = pubsub::Topics{});

    /// For Server::add_websocket(kPath, acceptor(), websocket_options()). Before the upgrade: the token from
    /// `?token=<JWT>`, the subprotocol `bearer.<JWT>` (echoed; Sec-WebSocket-Protocol may list several) or
    /// `Authorization: Bearer`; missing, forged or expired -> 401 problem, no upgrade. `?after=<event_id>` replays
    /// the user's events stored after that one, then continues live; an unknown or too old id (or more than
    /// max_replay missed) -> the text {"type":"com.todoai.resync","reason":...} first, then live.
    /// Messages from the client are ignored (the server's flood limits apply).
    http::WebSocketAcceptor acceptor();
    http::WebSocketOptions websocket_options() const;

    /// GET /api/{user_id}/events (and /api/events, the user from the token): the same feed as Server-Sent Events,
    /// each event as `id: <event id>` and `data: <CloudEvent>`. The token from `Authorization: Bearer`, else
    /// `?token=` (EventSource cannot set headers); 401/403 problems as on every user route. `Last-Event-ID` (sent by
    /// a reconnecting EventSource) or `?after=` replays what was missed, as ?after= does for /ws; the resync message
    /// is an event without an id. A comment every half heartbeat keeps proxies from closing a quiet stream.
    http::Handler event_stream_handler();

    /// The bus handler: records the event in recent_events with its processed marker (one transaction) and pushes
    /// it to the user's connections only when it was new (a redelivery is not pushed twice). DROP for a malformed
    /// event, RETRY when the store fails.
    pubsub::HandlerResult handle(const pubsub::Message& message);

    /// The batch handler: records the batch's well-formed events (each with its marker) in one transaction,
    /// committed once, then pushes the newly recorded ones to their users' connections, in order. One result per
    /// message: DROP for a malformed event (the others are still recorded), SUCCESS for the rest; RETRY for every
    /// message when the store fails (nothing pushed).
    std::vector<pubsub::HandlerResult> handle_batch(std::span<const pubsub::Message> batch);

    /// Open (or opening) connections of `user_id`.
    std::size_t connection_count(std::string_view user_id) const;

  private:
    std::shared_ptr<detail::FeedCore> core_;  // sessions may end after the service
};

}  // namespace todoai::websocket
