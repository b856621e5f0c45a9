#pragma once
// Which topic carries which event (DESIGN.md "Events"): the one place that maps CloudEvent types to topic names.
//   single (default): task-events (every task lifecycle event) and reminders (both reminder events).
//   per-type (seed 001's names, for consumers written against them): task-created, task-updated, task-completed,
//     task-deleted, and reminder-due for fired reminders. Seed 001 names no topic for reminder.scheduled: it goes to
//     reminder-scheduled, so a reminder-due consumer only ever sees reminders that fired. Seed 001's aggregated
//     task-updates topic is not produced: each event is published once, and our consumers subscribe to the four
//     task topics instead.
// In per-type, order is kept per topic only (one user's created and updated may arrive in either order); the
// consumers already order by the task's version, not by arrival.
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace todoai::pubsub {

enum class TopicLayout { single, per_type };

/// "single" or "per-type"; nothing for anything else.
std::optional<TopicLayout> parse_topic_layout(std::string_view text);
std::string_view to_string(TopicLayout layout);

/// A layout's topic names. A small value: copy it into each service.
class Topics {
  public:
    explicit Topics(TopicLayout layout = TopicLayout::single) : layout_(layout) {}

    TopicLayout layout() const { return layout_; }

    /// The topic an event of CloudEvent type `type` (one of event_type::kAll) is published on. Throws
    /// std::invalid_argument for another type: publishing an unknown type is a programming error.
    std::string_view topic_for(std::string_view type) const;

    /// The topics carrying task lifecycle events, and those carrying reminder events (what a consumer of each
    /// subscribes to). Each topic appears once.
    std::span<const std::string_view> task_topics() const;
    std::span<const std::string_view> reminder_topics() const;

    /// Every topic of the layout: the task topics, then the reminder topics.
    std::vector<std::string_view> all() const;

    /// True when `topic` (or its "-dlq" form) is a topic of either layout.
    static bool known(std::string_view topic);

  private:
    TopicLayout layout_;
};

}  // namespace todoai::pubsub
