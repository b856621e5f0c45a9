#pragma once
// CloudEvents 1.0 structured-mode envelope (DESIGN.md "Events").
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"
#include "core/task.hpp"

namespace todoai {

namespace event_type {
inline constexpr std::string_view kTaskCreated = "com.todoai.task.created";
inline constexpr std::string_view kTaskUpdated = "com.todoai.task.updated";
inline constexpr std::string_view kTaskCompleted = "com.todoai.task.completed";
inline constexpr std::string_view kTaskDeleted = "com.todoai.task.deleted";
inline constexpr std::string_view kReminderScheduled = "com.todoai.reminder.scheduled";
inline constexpr std::string_view kReminderFired = "com.todoai.reminder.fired";
/// Every type the services publish (what consumers accept).
inline constexpr std::array<std::string_view, 6> kAll = {kTaskCreated, kTaskUpdated,       kTaskCompleted,
                                                         kTaskDeleted, kReminderScheduled, kReminderFired};
}  // namespace event_type

/// "com.todoai.task.created" -> "task-created" (the `data.event_type` short form of seed 001).
std::string short_event_type(std::string_view type);

struct CloudEvent {
    std::string id;
    std::string source;  // e.g. "todo-service"
    std::string type;
    std::string subject;  // the task id
    Timestamp time{};
    std::string datacontenttype = "application/json";
    std::optional<std::string> traceparent;
    boost::json::value data;

    bool operator==(const CloudEvent&) const = default;
};

boost::json::object to_json(const CloudEvent& event);
std::string serialize(const CloudEvent& event);

/// Parses and checks an envelope: required attributes present and strings, specversion "1.0", time RFC 3339.
/// Returns the reason on failure (it goes to the dead-letter record).
std::variant<CloudEvent, std::string> parse_cloud_event(std::string_view json_text);

/// The event a task change emits: `data` holds event_id, event_type, task_id, user_id, correlation_id (defaults to
/// the event id), timestamp, schema_version "1.0" and payload (the task snapshot).
CloudEvent make_task_event(std::string_view type,
                           const Task& snapshot,
                           std::string event_id,
                           Timestamp now,
                           std::optional<std::string> correlation_id = std::nullopt);

}  // namespace todoai
