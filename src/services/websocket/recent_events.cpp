#include "services/websocket/recent_events.hpp"

#include "runtime/pubsub/processed_events.hpp"

namespace todoai::websocket {
namespace {

// `seq` is the order events reached this service, which keeps each user's publish order (the bus delivers one
// user's events in order); replay follows it.
constexpr std::string_view kRecentEventsSqlite = R"sql(
CREATE TABLE recent_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX recent_events_by_user ON recent_events (user_id, seq);
CREATE INDEX recent_events_by_time ON recent_events (received_at);
)sql";

constexpr std::string_view kRecentEventsPostgres = R"sql(
CREATE TABLE recent_events (
    seq         BIGSERIAL PRIMARY KEY,
    event_id    TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX recent_events_by_user ON recent_events (user_id, seq);
CREATE INDEX recent_events_by_time ON recent_events (received_at);
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "processed event markers", pubsub::kProcessedEventsSql, pubsub::kProcessedEventsSql},
    {2, "recent events for replay", kRecentEventsSqlite, kRecentEventsPostgres},
};

}  // namespace

std::span<const store::Migration> websocket_migrations() { return kMigrations; }

bool insert_recent_event(store::Transaction& tx,
                         std::string_view event_id,
                         std::string_view user_id,
                         std::string_view payload,
                         std::string_view received_at) {
    return tx.execute(
               "INSERT INTO recent_events (event_id, user_id, payload, received_at) VALUES ($1, $2, $3, $4) "
               "ON CONFLICT (event_id) DO NOTHING",
               {std::string(event_id), std::string(user_id), std::string(payload), std::string(received_at)}) == 1;
}

void prune_recent_events(store::Transaction& tx,
                         std::string_view user_id,
                         std::string_view older_than,
                         std::int64_t keep) {
    tx.execute("DELETE FROM recent_events WHERE received_at < $1", {std::string(older_than)});
    tx.execute(
        "DELETE FROM recent_events WHERE user_id = $1 AND seq <= "
        "(SELECT seq FROM recent_events WHERE user_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)",
        {std::string(user_id), keep});
}

std::optional<std::vector<StoredEvent>> recent_events_after(store::Transaction& tx,
                                                            std::string_view user_id,
                                                            std::string_view after_event_id,
                                                            std::int64_t limit) {
    const auto found = tx.query("SELECT seq FROM recent_events WHERE event_id = $1 AND user_id = $2",
                                {std::string(after_event_id), std::string(user_id)});
    if (found.empty()) return std::nullopt;
    const auto rows =
        tx.query("SELECT event_id, payload FROM recent_events WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                 {std::string(user_id), found.front().int64(0), limit});
    std::vector<StoredEvent> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back({row.text(0), row.text(1)});
    return out;
}

}  // namespace todoai::websocket
