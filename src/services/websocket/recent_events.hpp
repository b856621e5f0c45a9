#pragma once
// The websocket service's own store: the recent events of each user (for ?after= replay). The log doubles as the
// push markers: an event is pushed only by the transaction that inserted it.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "runtime/store/database.hpp"

namespace todoai::websocket {

std::span<const store::Migration> websocket_migrations();

struct StoredEvent {
    std::string event_id;
    std::string payload;  // the CloudEvent text as published
};

struct RecentEvent {
    std::string_view event_id;
    std::string_view user_id;
    std::string_view payload;
};

/// Records `events` in this replica's replay log, in multi-row statements, and returns the ids it inserted: events
/// the log holds already (a redelivery, or twice in `events`) are skipped and not returned. Each replica keeps its
/// own log (`replica`: its consumer name), so replicas sharing a store never wait on each other.
std::unordered_set<std::string> insert_recent_events(store::Transaction& tx,
                                                     std::string_view replica,
                                                     std::span<const RecentEvent> events,
                                                     std::string_view received_at);

/// Deletes events received before `older_than` (format_rfc3339 text) and all but the newest `keep` of `user_id`.
void prune_recent_events(store::Transaction& tx,
                         std::string_view replica,
                         std::string_view user_id,
                         std::string_view older_than,
                         std::int64_t keep);

/// The user's events stored after `after_event_id`, oldest first, at most `limit`; nullopt when `after_event_id`
/// is not a stored event of this user (unknown, another user's, or pruned).
std::optional<std::vector<StoredEvent>> recent_events_after(store::Transaction& tx,
                                                            std::string_view replica,
                                                            std::string_view user_id,
                                                            std::string_view after_event_id,
                                                            std::int64_t limit);

}  // namespace todoai::websocket
