#include "core/reminder.hpp"

#include <algorithm>

#include "core/time.hpp"
#include "core/uuid.hpp"

namespace todoai {

std::vector<ReminderTime> reminder_times(const TaskFields& task) {
    std::vector<ReminderTime> out;
    out.reserve(task.reminders.size());
    for (std::size_t i = 0; i < task.reminders.size(); ++i) {
        const Reminder& r = task.reminders[i];
        if (r.at) {
            out.push_back({*r.at, i});
        } else if (r.before_due && task.due_date) {
            out.push_back({*task.due_date - *r.before_due, i});
        }
    }
    // Stable: of two reminders at the same instant, the first one written keeps its index.
    std::stable_sort(out.begin(), out.end(), [](const ReminderTime& a, const ReminderTime& b) { return a.at < b.at; });
    out.erase(
        std::unique(out.begin(), out.end(), [](const ReminderTime& a, const ReminderTime& b) { return a.at == b.at; }),
        out.end());
    return out;
}

std::vector<Reminder> shift_reminders(const std::vector<Reminder>& reminders, Timestamp from_due, Timestamp to_due) {
    std::vector<Reminder> out = reminders;
    const auto delta = to_due - from_due;
    for (Reminder& r : out) {
        if (r.at) *r.at += delta;
    }
    return out;
}

std::string reminder_id(std::string_view task_id, Timestamp at) {
    std::string name;
    name.reserve(task_id.size() + 1 + kRfc3339Length);
    name.append(task_id);
    name += '/';
    name += format_rfc3339(at);
    return uuid_v5(kReminderIdNamespace, name);
}

}  // namespace todoai
