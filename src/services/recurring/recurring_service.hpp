#pragma once
// The recurring service: on the completion of a recurring task, asks the todo service to create the series' next
// instance (DESIGN.md "Reminders and recurrence"). Owns only its processed markers and each series' progress.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/task.hpp"
#include "runtime/invoke/invoker.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/topic_layout.hpp"
#include "runtime/store/database.hpp"

namespace todoai::recurring {

inline constexpr std::string_view kServiceName = "recurring-service";  // consumer group and processed-marker suffix
inline constexpr std::string_view kTodoAppId = "todo-service";

/// The invocation that creates a series' next instance: POST /internal/series/{series_id}/next on the todo service.
struct NextInstanceRequest {
    std::string series_id;
    std::string id;  // instance_id(series_id, fields.due_date)
    std::string user_id;
    TaskFields fields;              // status pending, due_date set, reminders moved with it
    std::string correlation_id;     // the completion event's id
    std::string completed_task_id;  // todo checks it exists: a completion it never saw makes no instance
};

/// The next instance of the recurring task completed in `completed` (a task.completed snapshot), as of `now`;
/// nothing when the series ended. Reminders move with the due date; an `at` reminder that would then be at or before
/// `now` is dropped (it would never fire).
std::optional<NextInstanceRequest> plan_next_instance(const Task& completed,
                                                      std::string_view correlation_id,
                                                      Timestamp now);

/// The invocation's path and JSON body: {"id", "user_id", "due_date", "task": writable fields, "correlation_id"}.
std::string next_instance_path(std::string_view series_id);
std::string next_instance_body(const NextInstanceRequest& request);

class RecurringService {
  public:
    /// `db` is the recurring service's own store, migrated with migrations(); `app_token` authenticates the
    /// invocation of the todo service (APP_API_TOKEN, sent as dapr-api-token).
    RecurringService(store::Database& db, const Clock& clock, invoke::Invoker& invoker, std::string app_token);

    static std::span<const store::Migration> migrations();

    /// Subscribes handle() as group "recurring-service" to the topic that carries task.completed (task-events, or
    /// task-completed per type: the only type it acts on). Call before bus.start().
    void subscribe(pubsub::Bus& bus, const pubsub::Topics& topics = pubsub::Topics{});

    /// The bus handler. com.todoai.task.completed of a recurring task: invokes the todo service to create the next
    /// instance, then records processed-{event_id}-recurring-service and the series' progress in one transaction.
    /// SUCCESS also for other event types, non-recurring tasks, ended series and events already processed;
    /// RETRY when the todo service is unreachable or answers 5xx, or the store fails; DROP with the reason for a
    /// malformed event or a 4xx answer.
    pubsub::HandlerResult handle(const pubsub::Message& message);

  private:
    store::Database& db_;
    const Clock& clock_;
    invoke::Invoker& invoker_;
    std::string app_token_;
};

}  // namespace todoai::recurring
