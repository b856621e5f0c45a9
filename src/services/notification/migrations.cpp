#include "services/notification/migrations.hpp"

#include <array>
#include <string>

#include "runtime/pubsub/outbox.hpp"
#include "runtime/pubsub/processed_events.hpp"

namespace todoai::notification {
namespace {

// Times are RFC 3339 UTC text with milliseconds (format_rfc3339), which sorts like instants.
// reminders.state: scheduled -> fired (claimed once by a conditional update) | cancelled (may be scheduled again).
// task_marks: the newest task version applied per task, and whether it was deleted, so an older event arriving late
// cannot bring back reminders.
constexpr std::string_view kScheduleSql = R"sql(
CREATE TABLE reminders (
    id          TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    remind_at   TEXT NOT NULL,
    due_date    TEXT,
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    fired_at    TEXT
);
CREATE INDEX reminders_by_task ON reminders (task_id, state);
CREATE INDEX reminders_by_state_time ON reminders (state, remind_at);
CREATE TABLE task_marks (
    task_id     TEXT PRIMARY KEY,
    version     BIGINT NOT NULL,
    deleted     INTEGER NOT NULL
);
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    remind_at   TEXT NOT NULL,
    fired_at    TEXT NOT NULL,
    is_read     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_by_user ON notifications (user_id, fired_at, id);
CREATE INDEX notifications_unread_by_user ON notifications (user_id, is_read, fired_at, id);
)sql";

const std::string kInitialSqlite =
    std::string(kScheduleSql) + std::string(pubsub::kOutboxSqlite) + std::string(pubsub::kProcessedEventsSql);
const std::string kInitialPostgres =
    std::string(kScheduleSql) + std::string(pubsub::kOutboxPostgres) + std::string(pubsub::kProcessedEventsSql);

const std::array<store::Migration, 2> kMigrations{{
    {1, "reminders, task marks, notifications, outbox, processed events", kInitialSqlite, kInitialPostgres},
    {2, "processed markers by time (pruning)", pubsub::kProcessedEventsByTimeSql, pubsub::kProcessedEventsByTimeSql},
}};

}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }

}  // namespace todoai::notification
