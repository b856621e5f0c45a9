#pragma once
// The consumer side of delivery: each handler records `processed-{event_id}-{service}` (seed 001's key) in the same
// transaction as its effect, and skips an event already recorded.
#include <string_view>

#include "runtime/store/database.hpp"

namespace todoai::pubsub {

/// The markers' table; a consuming service includes it in one of its migrations.
inline constexpr std::string_view kProcessedEventsSql = R"sql(
CREATE TABLE processed_events (
    key          TEXT PRIMARY KEY,
    processed_at TEXT NOT NULL
);
)sql";

/// Records the marker inside `tx`. Returns false if it was already there: the caller then skips the effect and
/// answers SUCCESS.
bool claim_event(store::Transaction& tx, std::string_view event_id, std::string_view service, std::string_view now);

}  // namespace todoai::pubsub
