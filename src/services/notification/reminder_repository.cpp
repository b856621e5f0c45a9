#include "services/notification/reminder_repository.hpp"

#include "core/time.hpp"
#include "runtime/store/batch_insert.hpp"

namespace todoai::notification::repo {
namespace {

using store::Value;

Value time_value(Timestamp t) { return format_rfc3339(t); }

Value optional_time_value(std::optional<Timestamp> t) { return t ? Value(format_rfc3339(*t)) : Value(nullptr); }

Timestamp read_time(const store::Row& row, std::size_t i) {
    auto t = parse_rfc3339(row.text(i));
    if (!t) throw store::StoreError(store::StoreError::Kind::other, "reminders: bad stored time '" + row.text(i) + "'");
    return *t;
}

std::vector<std::pair<std::string, Timestamp>> id_times(const store::Rows& rows) {
    std::vector<std::pair<std::string, Timestamp>> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.emplace_back(row.text(0), read_time(row, 1));
    return out;
}

Notification read_notification(const store::Row& row) {
    return Notification{.id = row.text(0),
                        .task_id = row.text(1),
                        .title = row.text(2),
                        .remind_at = row.text(3),
                        .fired_at = row.text(4),
                        .read = row.int64(5) != 0};
}

}  // namespace

std::unordered_map<std::string, TaskMark> task_marks(store::Transaction& tx, std::span<const std::string> task_ids) {
    std::unordered_map<std::string, TaskMark> marks;
    for (std::size_t from = 0; from < task_ids.size();) {
        const std::size_t rows = store::batch_rows(task_ids.size() - from);
        std::string sql = "SELECT task_id, version, deleted FROM task_marks WHERE task_id IN (";
        std::vector<store::Value> params;
        for (std::size_t i = 0; i < rows; ++i) {
            sql += i ? ", $" : "$";
            sql += std::to_string(i + 1);
            params.emplace_back(task_ids[from + i]);
        }
        for (const auto& row : tx.query(sql + ")", params))
            marks.insert_or_assign(row.text(0), TaskMark{row.int64(1), row.int64(2) != 0});
        from += rows;
    }
    return marks;
}

void put_task_mark(store::Transaction& tx, const std::string& task_id, const TaskMark& mark) {
    tx.execute(
        "INSERT INTO task_marks (task_id, version, deleted) VALUES ($1, $2, $3) "
        // Only forward: two consumers of one task (a Kafka rebalance hands its partition over) cannot move it back.
        "ON CONFLICT (task_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted "
        "WHERE task_marks.version <= excluded.version",
        {task_id, mark.version, std::int64_t{mark.deleted ? 1 : 0}});
}

std::vector<std::pair<std::string, Timestamp>> scheduled_for_task(store::Transaction& tx, const std::string& task_id) {
    return id_times(tx.query(kScheduledForTaskSql, {task_id}));
}

bool cancel(store::Transaction& tx, const std::string& id) {
    return tx.execute("UPDATE reminders SET state = 'cancelled' WHERE id = $1 AND state = 'scheduled'", {id}) == 1;
}

bool schedule(store::Transaction& tx, const ReminderRow& row, Timestamp now) {
    return tx.execute(
               "INSERT INTO reminders (id, task_id, user_id, title, remind_at, due_date, state, created_at) "
               "VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7) "
               "ON CONFLICT (id) DO UPDATE SET state = 'scheduled', title = excluded.title, "
               "due_date = excluded.due_date WHERE reminders.state = 'cancelled'",
               {row.id, row.task_id, row.user_id, row.title, time_value(row.remind_at),
                optional_time_value(row.due_date), time_value(now)}) == 1;
}

void refresh_scheduled(store::Transaction& tx,
                       const std::string& task_id,
                       const std::string& title,
                       std::optional<Timestamp> due_date) {
    tx.execute("UPDATE reminders SET title = $2, due_date = $3 WHERE task_id = $1 AND state = 'scheduled'",
               {task_id, title, optional_time_value(due_date)});
}

std::optional<ReminderRow> claim_fire(store::Transaction& tx, const std::string& id, Timestamp fired_at) {
    auto rows = tx.query(
        "UPDATE reminders SET state = 'fired', fired_at = $2 WHERE id = $1 AND state = 'scheduled' "
        "RETURNING id, task_id, user_id, title, remind_at, due_date",
        {id, time_value(fired_at)});
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    ReminderRow row{
        .id = r.text(0), .task_id = r.text(1), .user_id = r.text(2), .title = r.text(3), .remind_at = read_time(r, 4)};
    if (!r.is_null(5)) row.due_date = read_time(r, 5);
    return row;
}

void insert_notification(store::Transaction& tx, const ReminderRow& row, Timestamp fired_at) {
    tx.execute(
        "INSERT INTO notifications (id, user_id, task_id, title, remind_at, fired_at, is_read) "
        "VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (id) DO NOTHING",
        {row.id, row.user_id, row.task_id, row.title, time_value(row.remind_at), time_value(fired_at)});
}

std::vector<std::pair<std::string, std::string>> scheduled_tasks(store::Transaction& tx,
                                                                 const std::vector<std::string>& ids) {
    std::vector<std::pair<std::string, std::string>> out;
    if (ids.empty()) return out;
    std::string sql = "SELECT id, task_id FROM reminders WHERE state = 'scheduled' AND id IN (";
    std::vector<Value> params;
    params.reserve(ids.size());
    for (const auto& id : ids) {
        params.emplace_back(id);
        sql += (params.size() == 1 ? "$" : ", $") + std::to_string(params.size());
    }
    sql += ")";
    for (const auto& row : tx.query(sql, params)) out.emplace_back(row.text(0), row.text(1));
    return out;
}

std::vector<std::pair<std::string, Timestamp>> scheduled_between(store::Transaction& tx,
                                                                 std::optional<Timestamp> from,
                                                                 Timestamp to,
                                                                 std::size_t limit) {
    const auto n = static_cast<std::int64_t>(limit);
    if (!from) {
        return id_times(
            tx.query("SELECT id, remind_at FROM reminders WHERE state = 'scheduled' AND remind_at <= $1 "
                     "ORDER BY remind_at LIMIT $2",
                     {time_value(to), n}));
    }
    return id_times(
        tx.query("SELECT id, remind_at FROM reminders WHERE state = 'scheduled' AND remind_at > $1 AND remind_at <= $2 "
                 "ORDER BY remind_at LIMIT $3",
                 {time_value(*from), time_value(to), n}));
}

std::vector<Notification> list_notifications(store::Transaction& tx,
                                             const std::string& user_id,
                                             bool unread_only,
                                             const std::optional<NotificationCursor>& after,
                                             std::size_t limit) {
    std::string sql = "SELECT id, task_id, title, remind_at, fired_at, is_read FROM notifications WHERE user_id = $1";
    if (unread_only) sql += " AND is_read = 0";
    const auto n = static_cast<std::int64_t>(limit + 1);
    store::Rows rows;
    if (after) {
        // A row value: both planners start the index range at the cursor instead of filtering every newer row.
        sql += " AND (fired_at, id) < ($2, $3) ORDER BY fired_at DESC, id DESC LIMIT $4";
        rows = tx.query(sql, {user_id, after->fired_at, after->id, n});
    } else {
        sql += " ORDER BY fired_at DESC, id DESC LIMIT $2";
        rows = tx.query(sql, {user_id, n});
    }
    std::vector<Notification> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(read_notification(row));
    return out;
}

std::optional<Notification> mark_read(store::Transaction& tx, const std::string& user_id, const std::string& id) {
    auto rows = tx.query(
        "UPDATE notifications SET is_read = 1 WHERE id = $1 AND user_id = $2 "
        "RETURNING id, task_id, title, remind_at, fired_at, is_read",
        {id, user_id});
    if (rows.empty()) return std::nullopt;
    return read_notification(rows[0]);
}

std::size_t mark_all_read(store::Transaction& tx, const std::string& user_id) {
    return tx.query("UPDATE notifications SET is_read = 1 WHERE user_id = $1 AND is_read = 0 RETURNING id", {user_id})
        .size();
}

bool remove_notification(store::Transaction& tx, const std::string& user_id, const std::string& id) {
    return !tx.query("DELETE FROM notifications WHERE id = $1 AND user_id = $2 RETURNING id", {id, user_id}).empty();
}

}  // namespace todoai::notification::repo
