#pragma once
// The events the notification service emits (on `reminders`, or per type: runtime/pubsub/topic_layout.hpp). Their
// `data` has the shape of the task events' data (event_id, event_type, task_id, user_id, correlation_id, timestamp,
// schema_version, payload), so audit and the WebSocket feed read both alike.
#include <optional>
#include <string>
#include <string_view>

#include "core/cloud_event.hpp"
#include "services/notification/reminder_repository.hpp"

namespace todoai::notification {

inline constexpr std::string_view kServiceName = "notification-service";  // CloudEvents source and consumer group

/// `com.todoai.reminder.scheduled`: payload {reminder_id, task_id, title, remind_at, due_date}.
CloudEvent make_reminder_scheduled(const ReminderRow& reminder,
                                   std::string event_id,
                                   Timestamp now,
                                   std::optional<std::string> correlation_id);

/// `com.todoai.reminder.fired`: payload {reminder_id, task_id, title, remind_at, fired_at, due_date}.
CloudEvent make_reminder_fired(const ReminderRow& reminder, std::string event_id, Timestamp fired_at);

}  // namespace todoai::notification
