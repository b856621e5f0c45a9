#pragma once
// The notification service's SQL: the reminder schedule, the task version marks and the notifications. Every
// function runs inside the caller's transaction; times are stored as format_rfc3339 text.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "runtime/store/database.hpp"

namespace todoai::notification {

struct ReminderRow {
    std::string id;
    std::string task_id;
    std::string user_id;
    std::string title;
    Timestamp remind_at{};
    std::optional<Timestamp> due_date;
};

struct TaskMark {
    std::int64_t version = 0;
    bool deleted = false;
};

struct Notification {
    std::string id;
    std::string task_id;
    std::string title;
    std::string remind_at;
    std::string fired_at;
    bool read = false;
};

struct NotificationCursor {
    std::string fired_at;
    std::string id;
};

namespace repo {

/// The marks of `task_ids` that exist, by task id, in a few statements (a batch's events read them at once).
std::unordered_map<std::string, TaskMark> task_marks(store::Transaction& tx, std::span<const std::string> task_ids);
void put_task_mark(store::Transaction& tx, const std::string& task_id, const TaskMark& mark);

/// The task's reminders in state 'scheduled': (id, remind_at). Run for every task event: its plan is tested.
inline constexpr std::string_view kScheduledForTaskSql =
    "SELECT id, remind_at FROM reminders WHERE task_id = $1 AND state = 'scheduled' ORDER BY remind_at";
std::vector<std::pair<std::string, Timestamp>> scheduled_for_task(store::Transaction& tx, const std::string& task_id);

/// scheduled -> cancelled; false if it was not scheduled.
bool cancel(store::Transaction& tx, const std::string& id);

/// Inserts the reminder as scheduled, or moves a cancelled one with that id back to scheduled. False if it exists
/// in another state (already scheduled, or fired: a reminder fires once).
bool schedule(store::Transaction& tx, const ReminderRow& row, Timestamp now);

/// Keeps the task's scheduled reminders' title and due date current (they are copied into the notification).
void refresh_scheduled(store::Transaction& tx,
                       const std::string& task_id,
                       const std::string& title,
                       std::optional<Timestamp> due_date);

/// The conditional update that makes a reminder fire once: scheduled -> fired. Returns the row if this call won.
std::optional<ReminderRow> claim_fire(store::Transaction& tx, const std::string& id, Timestamp fired_at);

void insert_notification(store::Transaction& tx, const ReminderRow& row, Timestamp fired_at);

/// Those of `ids` still scheduled: (id, task_id).
std::vector<std::pair<std::string, std::string>> scheduled_tasks(store::Transaction& tx,
                                                                 const std::vector<std::string>& ids);

/// Scheduled reminders with from < remind_at <= to, earliest first.
std::vector<std::pair<std::string, Timestamp>> scheduled_between(store::Transaction& tx,
                                                                 std::optional<Timestamp> from,
                                                                 Timestamp to,
                                                                 std::size_t limit);

/// One page of a user's notifications, newest first (fired_at, id descending); `limit` + 1 rows are asked for so
/// the caller knows whether another page follows.
std::vector<Notification> list_notifications(store::Transaction& tx,
                                             const std::string& user_id,
                                             bool unread_only,
                                             const std::optional<NotificationCursor>& after,
                                             std::size_t limit);

std::optional<Notification> mark_read(store::Transaction& tx, const std::string& user_id, const std::string& id);

/// Marks every unread notification of the user read; how many it changed.
std::size_t mark_all_read(store::Transaction& tx, const std::string& user_id);

/// Deletes the notification; false when the user has none with that id.
bool remove_notification(store::Transaction& tx, const std::string& user_id, const std::string& id);

}  // namespace repo
}  // namespace todoai::notification
