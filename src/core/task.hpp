#pragma once
// The task as DESIGN.md defines it: fields, enums and limits.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace todoai {

enum class TaskStatus { pending, in_progress, complete };
enum class Priority { low, medium, high };
enum class RecurrenceSchedule { daily, weekly, monthly };
enum class RecurrenceFrom { due, completion };

std::string_view to_string(TaskStatus s);
std::string_view to_string(Priority p);
std::string_view to_string(RecurrenceSchedule r);
std::string_view to_string(RecurrenceFrom r);
std::optional<TaskStatus> parse_task_status(std::string_view s);
std::optional<Priority> parse_priority(std::string_view s);
std::optional<RecurrenceSchedule> parse_recurrence_schedule(std::string_view s);
std::optional<RecurrenceFrom> parse_recurrence_from(std::string_view s);

/// Either an absolute instant or an offset before the task's due date (exactly one is set).
struct Reminder {
    std::optional<Timestamp> at;
    std::optional<std::chrono::milliseconds> before_due;
    std::string before_due_text;  // the ISO 8601 duration as the client wrote it, echoed back unchanged

    bool operator==(const Reminder&) const = default;
};

/// The fields a client may write. Everything else on Task is owned by the server.
struct TaskFields {
    std::string title;
    std::string description;
    TaskStatus status = TaskStatus::pending;
    Priority priority = Priority::medium;
    std::vector<std::string> tags;
    std::optional<Timestamp> due_date;
    std::vector<Reminder> reminders;
    bool is_recurring = false;
    std::optional<RecurrenceSchedule> recurrence_schedule;
    std::optional<std::string> rrule;  // RFC 5545 RRULE value, e.g. "FREQ=WEEKLY;BYDAY=MO,WE"
    RecurrenceFrom recurrence_from = RecurrenceFrom::due;
    std::optional<std::string> category;  // free text ("work", "personal"); the notes' front end files tasks by it

    bool operator==(const TaskFields&) const = default;
};

struct Task {
    std::string id;
    std::string user_id;
    TaskFields fields;
    std::optional<std::string> series_id;  // set on recurring tasks; shared by every instance of the series
    Timestamp created_at{};
    Timestamp updated_at{};
    std::optional<Timestamp> completed_at;
    std::int64_t version = 1;

    bool completed() const { return fields.status == TaskStatus::complete; }
    bool operator==(const Task&) const = default;
};

/// Limits from DESIGN.md; the validator enforces them and the OpenAPI document states them.
namespace limits {
inline constexpr std::size_t kTitleMax = 255;           // characters (Unicode code points), min 1
inline constexpr std::size_t kDescriptionMax = 10'000;  // characters
inline constexpr std::size_t kTagsMax = 20;
inline constexpr std::size_t kTagMax = 50;  // characters, min 1
inline constexpr std::size_t kRemindersMax = 10;
inline constexpr std::size_t kRruleMax = 500;  // bytes
inline constexpr std::size_t kCategoryMax = 50;  // characters, min 1
inline constexpr int kPageLimitMin = 1;
inline constexpr int kPageLimitMax = 200;
inline constexpr int kPageLimitDefault = 50;
}  // namespace limits

}  // namespace todoai
