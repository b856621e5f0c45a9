// RRULE values as clients send them: the syntax check, and for what passes it the recurrence engine (libical) that
// computes the next instance, from a due date and a completion time taken from the input as well.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/recurrence.hpp"
#include "core/rrule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Two 4-byte offsets (hours from 2020-01-01 for the due date and the completion), then the rule.
    if (size < 8) return 0;
    std::uint32_t due_hours = 0;
    std::uint32_t done_hours = 0;
    std::memcpy(&due_hours, data, 4);
    std::memcpy(&done_hours, data + 4, 4);
    const std::string rule(reinterpret_cast<const char*>(data + 8), size - 8);

    const auto stripped = todoai::strip_rrule_prefix(rule);
    if (todoai::rrule_syntax_error(stripped)) return 0;

    using namespace std::chrono;
    const todoai::Timestamp epoch = sys_days(year(2020) / January / 1);
    todoai::TaskFields task;
    task.title = "t";
    task.is_recurring = true;
    task.rrule = std::string(stripped);
    // About 60 years either side of 2020, so libical meets far dates too.
    if (due_hours & 1) task.due_date = epoch + hours(static_cast<std::int32_t>(due_hours) >> 12);
    task.recurrence_from = (due_hours & 2) ? todoai::RecurrenceFrom::completion : todoai::RecurrenceFrom::due;
    const auto completed_at = epoch + hours(static_cast<std::int32_t>(done_hours) >> 12);
    const auto next = todoai::next_instance(task, completed_at);
    // The promise of next_instance: strictly after its base.
    if (next) {
        const auto base =
            (task.due_date && task.recurrence_from == todoai::RecurrenceFrom::due) ? *task.due_date : completed_at;
        if (next->due <= base) __builtin_trap();
        if (next->rrule) (void)todoai::rrule_syntax_error(*next->rrule);
    }
    return 0;
}
