#pragma once
// The consumer side of delivery: each handler records `processed-{event_id}-{service}` (seed 001's key) in the same
// transaction as its effect, and skips an event already recorded.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/pubsub/bus.hpp"
#include "runtime/store/database.hpp"

namespace todoai::pubsub {

/// The markers' table; a consuming service includes it in one of its migrations.
inline constexpr std::string_view kProcessedEventsSql = R"sql(
CREATE TABLE processed_events (
    key          TEXT PRIMARY KEY,
    processed_at TEXT NOT NULL
);
)sql";

/// An index for prune_processed_events(); a consuming service adds it in a migration of its own.
inline constexpr std::string_view kProcessedEventsByTimeSql =
    "CREATE INDEX processed_events_by_time ON processed_events (processed_at);";

/// Records the marker inside `tx`. Returns false if it was already there: the caller then skips the effect and
/// answers SUCCESS.
bool claim_event(store::Transaction& tx, std::string_view event_id, std::string_view service, std::string_view now);

/// claim_event for a batch, in one statement per 64 events. Returns, per id, whether this call recorded it: false for
/// ids already recorded, and for a repeat of an id earlier in the same batch.
std::vector<bool> claim_events(store::Transaction& tx,
                               std::span<const std::string> event_ids,
                               std::string_view service,
                               std::string_view now);

/// The marker's key, seed 001's `processed-{event_id}-{service}`.
std::string marker_key(std::string_view event_id, std::string_view service);

/// Processed markers kept outside the consumer's own store (seed 001's option: the Dapr state store, first-write
/// concurrency). The consumer claims an event's marker before its effect's transaction and releases it when that
/// transaction fails. Weaker than claim_event(), the default: marker and effect are two writes in two stores, so a
/// crash between them (or a release that fails) leaves a marker without its effect, and the redelivery is skipped —
/// the event is lost for that consumer. claim_event() writes both in one transaction: they cannot part.
class MarkerStore {
  public:
    virtual ~MarkerStore() = default;
    /// Per id, in order: true when this call recorded its marker, false when it was recorded already (a redelivery,
    /// or a repeat earlier in `event_ids`). Throws std::runtime_error when the store cannot tell (the caller RETRYs),
    /// having released the markers this call recorded.
    virtual std::vector<bool> claim(std::span<const std::string> event_ids, std::string_view service) = 0;
    /// Takes the markers back (their effect did not commit). Best effort: a failure is logged, not thrown.
    virtual void release(std::span<const std::string> event_ids, std::string_view service) noexcept = 0;
};

/// Deletes up to `limit` markers recorded before `older_than` (format_rfc3339 text); returns how many. A redelivery
/// comes from the bus's retention window (Kafka: uncommitted offsets, a group reset, a dead letter replayed), so a
/// marker older than that window guards nothing.
std::int64_t prune_processed_events(store::Transaction& tx, std::string_view older_than, std::int64_t limit);

/// The answer to a message whose transaction failed: RETRY; one the bus keeps retrying past max_attempts when the
/// store is unavailable (down, restarting, out of connections), since dead-lettering it would lose the event for
/// this consumer. `context` prefixes the reason.
inline HandlerResult retry_for(const store::StoreError& e, std::string_view context) {
    std::string why = std::string(context) + e.what();
    if (e.kind() == store::StoreError::Kind::unavailable) return HandlerResult::retry_later(std::move(why));
    return HandlerResult::retry(std::move(why));
}

}  // namespace todoai::pubsub
