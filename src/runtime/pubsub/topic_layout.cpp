#include "runtime/pubsub/topic_layout.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "core/cloud_event.hpp"

namespace todoai::pubsub {
namespace {

constexpr std::array<std::string_view, 1> kSingleTask = {"task-events"};
constexpr std::array<std::string_view, 1> kSingleReminder = {"reminders"};
constexpr std::array<std::string_view, 4> kPerTypeTask = {"task-created", "task-updated", "task-completed",
                                                          "task-deleted"};
constexpr std::array<std::string_view, 2> kPerTypeReminder = {"reminder-scheduled", "reminder-due"};

struct Route {
    std::string_view type, per_type_topic;
};
constexpr std::array<Route, 6> kPerType = {{{event_type::kTaskCreated, "task-created"},
                                            {event_type::kTaskUpdated, "task-updated"},
                                            {event_type::kTaskCompleted, "task-completed"},
                                            {event_type::kTaskDeleted, "task-deleted"},
                                            {event_type::kReminderScheduled, "reminder-scheduled"},
                                            {event_type::kReminderFired, "reminder-due"}}};

}  // namespace

std::optional<TopicLayout> parse_topic_layout(std::string_view text) {
    if (text == "single") return TopicLayout::single;
    if (text == "per-type") return TopicLayout::per_type;
    return std::nullopt;
}

std::string_view to_string(TopicLayout layout) { return layout == TopicLayout::single ? "single" : "per-type"; }

std::string_view Topics::topic_for(std::string_view type) const {
    for (const auto& route : kPerType) {
        if (route.type != type) continue;
        if (layout_ == TopicLayout::per_type) return route.per_type_topic;
        return type.starts_with("com.todoai.reminder.") ? kSingleReminder[0] : kSingleTask[0];
    }
    throw std::invalid_argument("no topic for event type '" + std::string(type) + "'");
}

std::span<const std::string_view> Topics::task_topics() const {
    if (layout_ == TopicLayout::single) return kSingleTask;
    return kPerTypeTask;
}

std::span<const std::string_view> Topics::reminder_topics() const {
    if (layout_ == TopicLayout::single) return kSingleReminder;
    return kPerTypeReminder;
}

std::vector<std::string_view> Topics::all() const {
    std::vector<std::string_view> out(task_topics().begin(), task_topics().end());
    out.insert(out.end(), reminder_topics().begin(), reminder_topics().end());
    return out;
}

bool Topics::known(std::string_view topic) {
    if (topic.ends_with("-dlq")) topic.remove_suffix(4);
    for (auto layout : {TopicLayout::single, TopicLayout::per_type})
        for (auto t : Topics(layout).all())
            if (t == topic) return true;
    return false;
}

}  // namespace todoai::pubsub
