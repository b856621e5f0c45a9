#include "services/recurring/recurring_service.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>
#include <variant>

#include "core/cloud_event.hpp"
#include "core/recurrence.hpp"
#include "core/reminder.hpp"
#include "core/task_json.hpp"
#include "core/time.hpp"
#include "runtime/log/log.hpp"
#include "runtime/pubsub/processed_events.hpp"

namespace todoai::recurring {
namespace {

namespace json = boost::json;
using pubsub::HandlerResult;

// series_progress: the latest instance each series asked for (for operators). spawned_instances: which completed
// task already produced its next instance, so completing it again (reopened, or completed twice) creates nothing:
// with recurrence_from=completion a second completion would derive another due date, hence another id.
constexpr std::string_view kSeriesProgressSql = R"sql(
CREATE TABLE series_progress (
    series_id        TEXT PRIMARY KEY,
    last_instance_id TEXT NOT NULL,
    last_due         TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE TABLE spawned_instances (
    task_id     TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
)sql";

const std::string kInitialSql = std::string(pubsub::kProcessedEventsSql) + std::string(kSeriesProgressSql);

const store::Migration kMigrations[] = {
    {1, "processed markers and series progress", kInitialSql, kInitialSql},
    {2, "processed markers by time (pruning)", pubsub::kProcessedEventsByTimeSql, pubsub::kProcessedEventsByTimeSql},
};

// A problem+json answer's `detail`, else the body itself (bounded: it goes into a dead letter).
std::string answer_detail(const std::string& body) {
    try {
        auto v = json::parse(body);
        if (auto* o = v.if_object())
            if (auto* d = o->if_contains("detail"); d && d->is_string()) return std::string(d->get_string());
    } catch (const std::exception&) {
    }
    return body.substr(0, 500);
}

std::variant<Task, std::string> completed_task(const CloudEvent& event) {
    const auto* data = event.data.if_object();
    if (!data) return std::string("data is not a JSON object");
    const auto* payload = data->if_contains("payload");
    if (!payload || !payload->is_object()) return std::string("data.payload is missing or not an object");
    try {
        return task_from_json(payload->get_object());
    } catch (const std::exception& e) {
        return "data.payload is not a task: " + std::string(e.what());
    }
}

}  // namespace

std::optional<NextInstanceRequest> plan_next_instance(const Task& completed,
                                                      std::string_view correlation_id,
                                                      Timestamp now) {
    if (!completed.fields.is_recurring) return std::nullopt;
    const Timestamp completed_at = completed.completed_at.value_or(now);
    auto next = next_instance(completed.fields, completed_at);
    if (!next) return std::nullopt;

    NextInstanceRequest out;
    out.series_id = completed.series_id.value_or(completed.id);
    out.id = instance_id(out.series_id, next->due);
    out.user_id = completed.user_id;
    out.correlation_id = correlation_id;
    out.completed_task_id = completed.id;
    out.fields = completed.fields;
    out.fields.status = TaskStatus::pending;
    out.fields.due_date = next->due;
    if (out.fields.rrule) out.fields.rrule = next->rrule;
    // `at` reminders keep their distance to the due date (to the completion time when there was none).
    auto shifted =
        shift_reminders(completed.fields.reminders, completed.fields.due_date.value_or(completed_at), next->due);
    out.fields.reminders.clear();
    for (auto& r : shifted)
        if (!r.at || *r.at > now) out.fields.reminders.push_back(std::move(r));
    return out;
}

std::string next_instance_path(std::string_view series_id) {
    return "/internal/series/" + std::string(series_id) + "/next";
}

std::string next_instance_body(const NextInstanceRequest& request) {
    json::object body;
    body["id"] = request.id;
    body["user_id"] = request.user_id;
    body["due_date"] = format_rfc3339(request.fields.due_date.value_or(Timestamp{}));
    body["task"] = writable_json(request.fields);
    body["correlation_id"] = request.correlation_id;
    body["completed_task_id"] = request.completed_task_id;
    return json::serialize(body);
}

RecurringService::RecurringService(store::Database& db,
                                   const Clock& clock,
                                   invoke::Invoker& invoker,
                                   std::string app_token)
    : db_(db), clock_(clock), invoker_(invoker), app_token_(std::move(app_token)) {}

std::span<const store::Migration> RecurringService::migrations() { return kMigrations; }

void RecurringService::subscribe(pubsub::Bus& bus, const pubsub::Topics& topics) {
    bus.subscribe(topics.topic_for(event_type::kTaskCompleted), kServiceName,
                  [this](const pubsub::Message& m) { return handle(m); });
}

HandlerResult RecurringService::handle(const pubsub::Message& message) {
    auto parsed = parse_cloud_event(message.payload);
    if (auto* why = std::get_if<std::string>(&parsed)) return HandlerResult::drop("malformed CloudEvent: " + *why);
    const auto& event = std::get<CloudEvent>(parsed);
    if (event.type != event_type::kTaskCompleted) return HandlerResult::ok();

    auto task = completed_task(event);
    if (auto* why = std::get_if<std::string>(&task))
        return HandlerResult::drop("task.completed " + event.id + ": " + *why);
    const auto& completed = std::get<Task>(task);
    if (!completed.fields.is_recurring) return HandlerResult::ok();
    if (!completed.completed())
        return HandlerResult::drop("task.completed " + event.id + ": task '" + completed.id + "' is not complete");

    const auto now = clock_.now();
    const auto plan = plan_next_instance(completed, event.id, now);
    if (!plan) {
        log::info("series " + completed.series_id.value_or(completed.id) + " ended with task " + completed.id);
        return HandlerResult::ok();
    }

    try {
        // Already handled: skip without invoking. This transaction only probes; it rolls back on destruction, so no
        // write lock is held across the invocation below.
        auto probe = db_.begin(store::Database::Access::write);
        if (!pubsub::claim_event(*probe, event.id, kServiceName, format_rfc3339(now))) return HandlerResult::ok();
        auto spawned = probe->query("SELECT instance_id FROM spawned_instances WHERE task_id = $1", {completed.id});
        if (!spawned.empty()) {
            probe->commit();  // keeps the marker: this completion is handled by the earlier one
            log::info("task " + completed.id + " completed again; its next instance " + spawned[0].text(0) +
                      " exists already");
            return HandlerResult::ok();
        }
    } catch (const store::StoreError& e) {
        return pubsub::retry_for(e, "recurring store: ");
    }

    invoke::InvokeResponse answer;
    try {
        answer = invoker_.invoke(invoke::InvokeRequest{
            .app_id = std::string(kTodoAppId),
            .method = http::Method::post,
            .path = next_instance_path(plan->series_id),
            .body = next_instance_body(*plan),
            .headers = {{"dapr-api-token", app_token_}, {"content-type", "application/json"}},
        });
    } catch (const invoke::InvokeError& e) {
        // Unreachable or timed out: the todo service is down or restarting, which lasts longer than a few retries.
        return HandlerResult::retry_later("invoking " + std::string(kTodoAppId) + ": " + e.what());
    }
    const std::string what = "next instance " + plan->id + " of series " + plan->series_id + ": " +
                             std::string(kTodoAppId) + " answered " + std::to_string(answer.status);
    if (answer.status >= 400 && answer.status < 500)
        return HandlerResult::drop(what + ": " + answer_detail(answer.body));
    if (answer.status == 502 || answer.status == 503 || answer.status == 504)
        return HandlerResult::retry_later(what + ": " + answer_detail(answer.body));
    if (answer.status != 200 && answer.status != 201)
        return HandlerResult::retry(what + ": " + answer_detail(answer.body));

    try {
        const auto at = format_rfc3339(now);
        const auto due = format_rfc3339(*plan->fields.due_date);
        auto tx = db_.begin(store::Database::Access::write);
        if (!pubsub::claim_event(*tx, event.id, kServiceName, at)) return HandlerResult::ok();
        tx->execute(
            "INSERT INTO series_progress (series_id, last_instance_id, last_due, updated_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (series_id) DO UPDATE SET last_instance_id = excluded.last_instance_id, "
            "last_due = excluded.last_due, updated_at = excluded.updated_at "
            "WHERE series_progress.last_due < excluded.last_due",
            {plan->series_id, plan->id, due, at});
        tx->execute(
            "INSERT INTO spawned_instances (task_id, instance_id, created_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (task_id) DO NOTHING",
            {completed.id, plan->id, at});
        tx->commit();
    } catch (const store::StoreError& e) {
        // The instance exists; a retry finds it (the todo service answers 200) and records the marker then.
        return pubsub::retry_for(e, "recurring store: ");
    }
    return HandlerResult::ok();
}

}  // namespace todoai::recurring
