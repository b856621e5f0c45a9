#include "services/notification/reminder_events.hpp"

#include "core/time.hpp"

namespace todoai::notification {
namespace {

namespace json = boost::json;

CloudEvent make_event(std::string_view type,
                      const ReminderRow& reminder,
                      std::string event_id,
                      Timestamp now,
                      std::optional<std::string> correlation_id,
                      std::optional<Timestamp> fired_at) {
    json::object payload;
    payload.reserve(6);
    payload.emplace("reminder_id", reminder.id);
    payload.emplace("task_id", reminder.task_id);
    payload.emplace("title", reminder.title);
    payload.emplace("remind_at", format_rfc3339(reminder.remind_at));
    if (fired_at) payload.emplace("fired_at", format_rfc3339(*fired_at));
    if (reminder.due_date) {
        payload.emplace("due_date", format_rfc3339(*reminder.due_date));
    } else {
        payload.emplace("due_date", nullptr);
    }

    json::object data;
    data.reserve(8);
    data.emplace("event_id", event_id);
    data.emplace("event_type", short_event_type(type));
    data.emplace("task_id", reminder.task_id);
    data.emplace("user_id", reminder.user_id);
    data.emplace("correlation_id", correlation_id ? *correlation_id : event_id);
    data.emplace("timestamp", format_rfc3339(now));
    data.emplace("schema_version", "1.0");
    data.emplace("payload", std::move(payload));

    CloudEvent e;
    e.id = std::move(event_id);
    e.source = std::string(kServiceName);
    e.type = std::string(type);
    e.subject = reminder.task_id;
    e.time = now;
    e.data = std::move(data);
    return e;
}

}  // namespace

CloudEvent make_reminder_scheduled(const ReminderRow& reminder,
                                   std::string event_id,
                                   Timestamp now,
                                   std::optional<std::string> correlation_id) {
    return make_event(event_type::kReminderScheduled, reminder, std::move(event_id), now, std::move(correlation_id),
                      std::nullopt);
}

CloudEvent make_reminder_fired(const ReminderRow& reminder, std::string event_id, Timestamp fired_at) {
    return make_event(event_type::kReminderFired, reminder, std::move(event_id), fired_at, std::nullopt, fired_at);
}

}  // namespace todoai::notification
