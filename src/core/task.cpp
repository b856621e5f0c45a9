#include "core/task.hpp"

#include <array>
#include <utility>

namespace todoai {

namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<std::string_view, E>, N>& table, std::string_view s) {
    for (const auto& [name, value] : table) {
        if (name == s) return value;
    }
    return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, TaskStatus>, 3> kStatuses{{
    {"pending", TaskStatus::pending},
    {"in_progress", TaskStatus::in_progress},
    {"complete", TaskStatus::complete},
}};
constexpr std::array<std::pair<std::string_view, Priority>, 3> kPriorities{{
    {"low", Priority::low},
    {"medium", Priority::medium},
    {"high", Priority::high},
}};
constexpr std::array<std::pair<std::string_view, RecurrenceSchedule>, 3> kSchedules{{
    {"daily", RecurrenceSchedule::daily},
    {"weekly", RecurrenceSchedule::weekly},
    {"monthly", RecurrenceSchedule::monthly},
}};
constexpr std::array<std::pair<std::string_view, RecurrenceFrom>, 2> kFroms{{
    {"due", RecurrenceFrom::due},
    {"completion", RecurrenceFrom::completion},
}};

}  // namespace

// The tables are in enum order, so to_string indexes them directly.
std::string_view to_string(TaskStatus s) { return kStatuses[static_cast<std::size_t>(s)].first; }
std::string_view to_string(Priority p) { return kPriorities[static_cast<std::size_t>(p)].first; }
std::string_view to_string(RecurrenceSchedule r) { return kSchedules[static_cast<std::size_t>(r)].first; }
std::string_view to_string(RecurrenceFrom r) { return kFroms[static_cast<std::size_t>(r)].first; }

std::optional<TaskStatus> parse_task_status(std::string_view s) { return lookup(kStatuses, s); }
std::optional<Priority> parse_priority(std::string_view s) { return lookup(kPriorities, s); }
std::optional<RecurrenceSchedule> parse_recurrence_schedule(std::string_view s) { return lookup(kSchedules, s); }
std::optional<RecurrenceFrom> parse_recurrence_from(std::string_view s) { return lookup(kFroms, s); }

}  // namespace todoai
