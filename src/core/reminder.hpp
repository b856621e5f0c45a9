#pragma once
// Reminder math: the instants a task's reminders fire at, and how they move with a new due date.
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/task.hpp"

namespace todoai {

struct ReminderTime {
    Timestamp at;
    std::size_t index;  // position in the task's `reminders`
};

/// When each reminder fires: `at` as given; `before_due` = due_date - offset (none without a due date). Sorted by
/// time; the same instant twice is kept once.
std::vector<ReminderTime> reminder_times(const TaskFields& task);

/// A task's reminders moved to a new due date: `at` reminders shift by (to_due - from_due); `before_due` offsets
/// stay as they are (they follow the due date by definition).
std::vector<Reminder> shift_reminders(const std::vector<Reminder>& reminders, Timestamp from_due, Timestamp to_due);

/// The UUIDv5 namespace of reminder ids (fixed forever: ids stored by earlier versions must stay valid).
inline constexpr std::string_view kReminderIdNamespace = "3b0f7c52-6a1e-5d2f-9c47-8e1d2a6b4f90";

/// The id of one scheduled reminder: a UUIDv5 of the task and the instant, stable across reschedules.
std::string reminder_id(std::string_view task_id, Timestamp at);

}  // namespace todoai
