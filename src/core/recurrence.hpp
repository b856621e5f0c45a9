#pragma once
// Recurrence math: when the next instance of a recurring task is due (DESIGN.md "Reminders and recurrence").
// daily|weekly|monthly from seed 000 (monthly from the 29th-31st clamps to the month's last day), and RFC 5545
// RRULEs through libical (COUNT, UNTIL, BYDAY, BYMONTHDAY, INTERVAL, ...; months without the day are skipped).
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/task.hpp"

namespace todoai {

struct NextInstance {
    Timestamp due;
    /// The rule the next instance carries: an RRULE with COUNT has its count reduced by one (the instance just
    /// completed used one), so each instance's rule counts what is left of the series.
    std::optional<std::string> rrule;
};

/// The next instance after a recurring task completed at `completed_at`. Counted from the task's due date, or from
/// `completed_at` when recurrence_from is `completion` or the task has no due date. The next due date is always
/// strictly after the base. Nothing when the task is not recurring or its series ended (COUNT used up, UNTIL passed).
std::optional<NextInstance> next_instance(const TaskFields& task, Timestamp completed_at);

/// The id of a series' instance due at `due`: a UUIDv5 of the series and the date, so redelivery or a double
/// completion cannot create two.
std::string instance_id(std::string_view series_id, Timestamp due);

}  // namespace todoai
