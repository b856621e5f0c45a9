#include "services/websocket/recent_events.hpp"

#include "runtime/pubsub/processed_events.hpp"
#include "runtime/store/batch_insert.hpp"

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

// Version 3: a log per replica. Replicas sharing a store each record every event; with one row per event, a replica
// inserting an event another replica had inserted but not yet committed waited for that commit (a unique index
// wait), which put hundreds of milliseconds into the live feed's tail. The replay log is a cache, so the migration
// starts it afresh (a client asking ?after= for an older event gets a resync).
constexpr std::string_view kPerReplicaSqlite = R"sql(
DROP TABLE recent_events;
CREATE TABLE recent_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    replica     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (replica, event_id)
);
CREATE INDEX recent_events_by_user ON recent_events (replica, user_id, seq);
CREATE INDEX recent_events_by_time ON recent_events (received_at);
)sql";

constexpr std::string_view kPerReplicaPostgres = R"sql(
DROP TABLE recent_events;
CREATE TABLE recent_events (
    seq         BIGSERIAL PRIMARY KEY,
    replica     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (replica, event_id)
);
CREATE INDEX recent_events_by_user ON recent_events (replica, user_id, seq);
CREATE INDEX recent_events_by_time ON recent_events (received_at);
)sql";

// Version 4: an event's replay-log row is its push marker (insert_recent_events), so the markers' table goes.
constexpr std::string_view kNoMarkersSql = "DROP TABLE processed_events;";

constexpr store::Migration kMigrations[] = {
    {1, "processed event markers", pubsub::kProcessedEventsSql, pubsub::kProcessedEventsSql},
    {2, "recent events for replay", kRecentEventsSqlite, kRecentEventsPostgres},
    {3, "recent events per replica", kPerReplicaSqlite, kPerReplicaPostgres},
    {4, "no processed markers (the replay log is the marker)", kNoMarkersSql, kNoMarkersSql},
};

}  // namespace

std::span<const store::Migration> websocket_migrations() { return kMigrations; }

std::unordered_set<std::string> insert_recent_events(store::Transaction& tx,
                                                     std::string_view replica,
                                                     std::span<const RecentEvent> events,
                                                     std::string_view received_at) {
    constexpr std::size_t kColumns = 5;
    std::unordered_set<std::string> inserted;
    for (std::size_t from = 0; from < events.size();) {
        const std::size_t rows = store::batch_rows(events.size() - from);
        std::vector<store::Value> params;
        params.reserve(rows * kColumns);
        for (std::size_t i = from; i < from + rows; ++i) {
            params.emplace_back(std::string(replica));
            params.emplace_back(std::string(events[i].event_id));
            params.emplace_back(std::string(events[i].user_id));
            params.emplace_back(std::string(events[i].payload));
            params.emplace_back(std::string(received_at));
        }
        const auto returned = tx.query(
            "INSERT INTO recent_events (replica, event_id, user_id, payload, received_at) VALUES " +
                store::values_list(rows, kColumns) + " ON CONFLICT (replica, event_id) DO NOTHING RETURNING event_id",
            params);
        for (const auto& row : returned) inserted.insert(row.text(0));
        from += rows;
    }
    return inserted;
}

void prune_recent_events(store::Transaction& tx,
                         std::string_view replica,
                         std::string_view user_id,
                         std::string_view older_than,
                         std::int64_t keep) {
    tx.execute("DELETE FROM recent_events WHERE received_at < $1", {std::string(older_than)});
    tx.execute(
        "DELETE FROM recent_events WHERE replica = $1 AND user_id = $2 AND seq <= "
        "(SELECT seq FROM recent_events WHERE replica = $1 AND user_id = $2 ORDER BY seq DESC LIMIT 1 OFFSET $3)",
        {std::string(replica), std::string(user_id), keep});
}

std::optional<std::vector<StoredEvent>> recent_events_after(store::Transaction& tx,
                                                            std::string_view replica,
                                                            std::string_view user_id,
                                                            std::string_view after_event_id,
                                                            std::int64_t limit) {
    const auto found = tx.query("SELECT seq FROM recent_events WHERE replica = $1 AND event_id = $2 AND user_id = $3",
                                {std::string(replica), std::string(after_event_id), std::string(user_id)});
    if (found.empty()) return std::nullopt;
    const auto rows = tx.query(
        "SELECT event_id, payload FROM recent_events WHERE replica = $1 AND user_id = $2 AND seq > $3 "
        "ORDER BY seq LIMIT $4",
        {std::string(replica), std::string(user_id), found.front().int64(0), limit});
    std::vector<StoredEvent> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back({row.text(0), row.text(1)});
    return out;
}

}  // namespace todoai::websocket
