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

// Every task event reads its task's scheduled reminders in time order. On (task_id, state) alone both planners chose
// (state, remind_at) to skip the sort: a scan of every scheduled reminder per event, O(N) each, measured at 19 ms
// with 126 000 scheduled (0.02 ms on the task's own rows). This index serves the filter and the order.
constexpr std::string_view kRemindersByTaskTimeSql = R"sql(
DROP INDEX reminders_by_task;
CREATE INDEX reminders_by_task_state_time ON reminders (task_id, state, remind_at);
)sql";

const std::array<store::Migration, 3> kMigrations{{
    {1, "reminders, task marks, notifications, outbox, processed events", kInitialSqlite, kInitialPostgres},
    {2, "processed markers by time (pruning)", pubsub::kProcessedEventsByTimeSql, pubsub::kProcessedEventsByTimeSql},
    {3, "a task's scheduled reminders in time order by index", kRemindersByTaskTimeSql, kRemindersByTaskTimeSql},
}};

}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }

}  // namespace todoai::notification
