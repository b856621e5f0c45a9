#pragma once
// The audit service: stores every task and reminder event exactly once and serves the user's trail.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/http/page.hpp"
#include "runtime/http/router.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/processed_events.hpp"
#include "runtime/pubsub/topic_layout.hpp"
#include "runtime/store/database.hpp"
#include "services/audit/audit_query.hpp"

namespace todoai::audit {

inline constexpr std::string_view kServiceName = "audit-service";  // consumer group and processed-marker suffix

class AuditService {
  public:
    /// `db` is the audit service's own store, migrated with migrations(). `markers`: where the processed markers go
    /// instead of `db` (the Dapr state store option); null, the default, keeps each in the item's transaction.
    AuditService(store::Database& db, const Clock& clock, pubsub::MarkerStore* markers = nullptr);

    static std::span<const store::Migration> migrations();

    /// Subscribes handle_batch() to every topic of `topics` (task and reminder events) as group "audit-service".
    /// Call before bus.start().
    void subscribe(pubsub::Bus& bus, const pubsub::Topics& topics = pubsub::Topics{});

    /// GET /api/{user_id}/audit — the user's audit trail, newest first.
    ///   query: task_id; event_type ("com.todoai.task.created" or "task-created"; the six task/reminder types);
    ///          from, to (RFC 3339, inclusive, on the item's timestamp); limit (1..200, default 50);
    ///          cursor (opaque, from next_cursor).
    ///   200: [AuditItem]; the next page's cursor in `Link: <…>; rel="next"` and `X-Next-Cursor` (absent on the last)
    ///        AuditItem: {event_id, event_type (the CloudEvent type, e.g. "com.todoai.task.created"), task_id,
    ///                    user_id, correlation_id, timestamp (RFC 3339 UTC, ms), source, payload (object)}
    ///   401 missing/invalid token; 403 another user's path; 422 a bad parameter (named in `errors`);
    ///   503 store unavailable. All errors application/problem+json.
    void register_routes(http::Router& router, const auth::JwtCodec& jwt);

    /// The bus handler: SUCCESS once the item is stored (or was already), DROP with the reason for an event that
    /// cannot be audited, RETRY when the store fails. The marker processed-{event_id}-audit-service and the item
    /// are written in one transaction.
    pubsub::HandlerResult handle(const pubsub::Message& message);

    /// The batch handler: the batch's well-formed events are stored in one transaction (marker and item per event,
    /// as handle() does), committed once. With a MarkerStore the markers are claimed there first and released when
    /// the transaction fails. One result per message: DROP with the reason for an event that cannot be
    /// audited (the others are still stored), SUCCESS for the rest; RETRY for every message when the store fails.
    std::vector<pubsub::HandlerResult> handle_batch(std::span<const pubsub::Message> batch);

    /// One page of the list route: its JSON array and the next page's cursor.
    http::JsonPage list_page(std::string_view user_id, const AuditQuery& query);

  private:
    store::Database& db_;
    const Clock& clock_;
    pubsub::MarkerStore* markers_;
};

}  // namespace todoai::audit
