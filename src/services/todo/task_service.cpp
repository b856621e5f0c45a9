#include "services/todo/task_service.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "core/cloud_event.hpp"
#include "core/task_json.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"
#include "runtime/http/problem.hpp"
#include "runtime/pubsub/outbox.hpp"

namespace todoai::todo {
namespace {

TaskFields fields_or_422(const boost::json::value& body) {
    auto parsed = parse_task_fields(body);
    if (auto* errors = std::get_if<FieldErrors>(&parsed))
        throw http::HttpError(422, "the task has invalid fields", std::move(*errors));
    return std::move(std::get<TaskFields>(parsed));
}

Task load(const StoredTask& stored) { return task_from_json(boost::json::parse(stored.doc).as_object()); }

std::string task_doc(const Task& task) {
    std::string doc;
    doc.reserve(512);
    append_json(doc, task);
    return doc;
}

[[noreturn]] void not_found(std::string_view id) {
    throw http::HttpError(404, "no task '" + std::string(id) + "' for this user");
}

void check_condition(const std::optional<VersionCondition>& condition, const StoredTask& stored, std::string_view id);

// The task a write is about, inside its transaction: 404 if it is not the user's, 412 if If-Match is stale.
std::pair<StoredTask, Task> load_for_change(store::Transaction& tx,
                                            const std::string& user_id,
                                            std::string_view id,
                                            const std::optional<VersionCondition>& condition) {
    auto stored = TaskRepository::find(tx, user_id, id);
    if (!stored) not_found(id);
    check_condition(condition, *stored, id);
    Task task = load(*stored);
    return {std::move(*stored), std::move(task)};
}

void check_condition(const std::optional<VersionCondition>& condition, const StoredTask& stored, std::string_view id) {
    if (condition && !condition->matches(stored.version))
        throw http::HttpError(412, "task '" + std::string(id) + "' is at version " + std::to_string(stored.version) +
                                       ", not the one in If-Match; fetch it again and retry");
}

// Server-owned fields follow the status: completion time is set on completing and cleared on reopening.
void apply_server_fields(const Task& before, Task& after, Timestamp now) {
    if (after.completed() && !before.completed()) after.completed_at = now;
    if (!after.completed()) after.completed_at.reset();
    if (after.fields.is_recurring && !after.series_id) after.series_id = after.id;
    after.updated_at = now;
    after.version = before.version + 1;
}

std::string_view event_type_for(const Task& before, const Task& after) {
    return after.completed() && !before.completed() ? event_type::kTaskCompleted : event_type::kTaskUpdated;
}

}  // namespace

bool VersionCondition::matches(std::int64_t version) const {
    return any || std::find(versions.begin(), versions.end(), version) != versions.end();
}

VersionCondition parse_if_match(std::string_view header) {
    VersionCondition condition;
    while (!header.empty()) {
        auto comma = header.find(',');
        auto item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item == "*") condition.any = true;
        if (item.size() < 3 || item.front() != '"' || item.back() != '"') continue;
        item = item.substr(1, item.size() - 2);
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (ec == std::errc{} && end == item.data() + item.size()) condition.versions.push_back(v);
    }
    return condition;
}

TaskResult TaskService::create(const std::string& user_id,
                               const boost::json::value& body,
                               const std::string& raw_body,
                               std::optional<std::string_view> idempotency_key) {
    const auto now = clock_.now();
    Task task;
    task.fields = fields_or_422(body);
    task.id = new_uuid_v7(now);
    task.user_id = user_id;
    task.created_at = task.updated_at = now;
    if (task.completed()) task.completed_at = now;
    if (task.fields.is_recurring) task.series_id = task.id;
    const auto doc = task_doc(task);

    auto tx = db_.begin(store::Database::Access::write);
    if (idempotency_key) {
        auto rows =
            tx->query("SELECT request_body, task_id, response FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                      {user_id, std::string(*idempotency_key)});
        if (!rows.empty()) {
            if (rows[0].text(0) != raw_body)
                throw http::HttpError(422, "Idempotency-Key '" + std::string(*idempotency_key) +
                                               "' was already used with a different request body");
            return TaskResult{rows[0].text(2), 1, rows[0].text(1)};
        }
    }
    if (idempotency_key) {
        try {
            tx->execute(
                "INSERT INTO idempotency_keys (user_id, key, request_body, task_id, response, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                {user_id, std::string(*idempotency_key), raw_body, task.id, doc, format_rfc3339(now)});
        } catch (const store::StoreError& e) {
            if (e.kind() != store::StoreError::Kind::constraint) throw;
            throw http::HttpError(409, "a request with Idempotency-Key '" + std::string(*idempotency_key) +
                                           "' is still in flight; retry it later");
        }
    }
    // The task, its event and the commit go to PostgreSQL in one round trip (deferred statements).
    insert_created(*tx, task, doc, now);
    tx->commit();
    committed();
    return TaskResult{doc, task.version, task.id};
}

void TaskService::insert_created(store::Transaction& tx,
                                 const Task& task,
                                 const std::string& doc,
                                 Timestamp now,
                                 std::optional<std::string> correlation_id) {
    TaskRepository::insert(tx, task, doc);
    pubsub::Outbox::append(
        tx, make_task_event(event_type::kTaskCreated, task, new_uuid_v7(now), now, std::move(correlation_id)),
        topics_.topic_for(event_type::kTaskCreated), task.user_id);
}

TaskService::SeriesInstance TaskService::create_series_instance(const std::string& user_id,
                                                                const std::string& id,
                                                                const std::string& series_id,
                                                                TaskFields fields,
                                                                std::optional<std::string> correlation_id,
                                                                const std::optional<std::string>& completed_task_id) {
    const auto now = clock_.now();
    Task task;
    task.id = id;
    task.user_id = user_id;
    task.fields = std::move(fields);
    task.fields.status = TaskStatus::pending;
    task.series_id = series_id;
    task.created_at = task.updated_at = now;
    const auto doc = task_doc(task);
    auto tx = db_.begin(store::Database::Access::write);
    if (auto existing = TaskRepository::find(*tx, user_id, id))
        return {TaskResult{std::move(existing->doc), existing->version, id}, false};
    if (completed_task_id && !TaskRepository::find(*tx, user_id, *completed_task_id))
        throw http::HttpError(404, "task '" + *completed_task_id + "' of user '" + user_id +
                                       "' does not exist (deleted since, or never created here): no next instance");
    try {
        insert_created(*tx, task, doc, now, std::move(correlation_id));
        tx->commit();
    } catch (const store::StoreError& e) {
        if (e.kind() != store::StoreError::Kind::constraint) throw;
        // A concurrent invocation inserted the same id first (PostgreSQL): that instance stands.
        tx.reset();
        if (auto existing = get(user_id, id))
            return {TaskResult{std::move(existing->doc), existing->version, id}, false};
        throw http::HttpError(409, "task id '" + id + "' is taken by another user's task");
    }
    committed();
    return {TaskResult{doc, task.version, task.id}, true};
}

std::optional<StoredTask> TaskService::get(const std::string& user_id, std::string_view id) {
    auto tx = db_.begin(store::Database::Access::read);
    return TaskRepository::find(*tx, user_id, id);
}

TaskResult TaskService::write(const std::string& user_id,
                              std::string_view id,
                              const boost::json::value& body,
                              WriteMode mode,
                              const std::optional<VersionCondition>& condition) {
    auto tx = db_.begin(store::Database::Access::write);
    const auto [stored, before] = load_for_change(*tx, user_id, id, condition);
    Task after = before;
    if (mode == WriteMode::replace) {
        after.fields = fields_or_422(body);
    } else {
        auto patched = apply_task_patch(before.fields, body);
        if (auto* errors = std::get_if<FieldErrors>(&patched))
            throw http::HttpError(422, "the patch has invalid fields", std::move(*errors));
        after.fields = std::move(std::get<TaskFields>(patched));
    }
    if (after.fields == before.fields) return TaskResult{stored.doc, stored.version, before.id};
    return commit_change(*tx, before, std::move(after));
}

TaskResult TaskService::toggle_complete(const std::string& user_id,
                                        std::string_view id,
                                        const std::optional<VersionCondition>& condition) {
    auto tx = db_.begin(store::Database::Access::write);
    const auto [stored, before] = load_for_change(*tx, user_id, id, condition);
    Task after = before;
    after.fields.status = before.completed() ? TaskStatus::pending : TaskStatus::complete;
    return commit_change(*tx, before, std::move(after));
}

TaskResult TaskService::commit_change(store::Transaction& tx, const Task& before, Task after) {
    const auto now = clock_.now();
    apply_server_fields(before, after, now);
    auto doc = task_doc(after);
    if (!TaskRepository::update(tx, after, doc, before.version))
        throw http::HttpError(412, "task '" + after.id + "' changed while this request ran; fetch it again and retry");
    const auto type = event_type_for(before, after);
    pubsub::Outbox::append(tx, make_task_event(type, after, new_uuid_v7(now), now), topics_.topic_for(type),
                           after.user_id);
    tx.commit();
    committed();
    return TaskResult{std::move(doc), after.version, after.id};
}

void TaskService::remove(const std::string& user_id,
                         std::string_view id,
                         const std::optional<VersionCondition>& condition) {
    const auto now = clock_.now();
    auto tx = db_.begin(store::Database::Access::write);
    const auto [stored, before] = load_for_change(*tx, user_id, id, condition);
    // Versioned: on PostgreSQL writers do not queue behind one lock, so a concurrent change or delete may have
    // committed since the load; exactly one of them emits its event.
    if (!TaskRepository::remove(*tx, user_id, id, stored.version))
        throw http::HttpError(
            412, "task '" + std::string(id) + "' changed while this request ran; fetch it again and retry");
    pubsub::Outbox::append(*tx, make_task_event(event_type::kTaskDeleted, before, new_uuid_v7(now), now),
                           topics_.topic_for(event_type::kTaskDeleted), user_id);
    tx->commit();
    committed();
}

TaskPage TaskService::list(const std::string& user_id, const TaskQuery& query) {
    auto tx = db_.begin(store::Database::Access::read);
    return TaskRepository::list(*tx, db_.dialect(), user_id, query);
}

TaskCounts TaskService::counts(const std::string& user_id) {
    auto tx = db_.begin(store::Database::Access::read);
    return TaskRepository::counts(*tx, user_id);
}

std::vector<std::string> TaskService::open_task_ids(const std::vector<std::string>& ids) {
    std::vector<std::string> found;
    {
        auto tx = db_.begin(store::Database::Access::read);
        found = TaskRepository::open_ids(*tx, ids);
    }
    std::vector<std::string> out;
    out.reserve(found.size());
    for (const auto& id : ids) {
        if (std::find(found.begin(), found.end(), id) != found.end() &&
            std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(id);
    }
    return out;
}

}  // namespace todoai::todo
