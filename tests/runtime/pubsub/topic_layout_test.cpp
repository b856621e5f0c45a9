#include "runtime/pubsub/topic_layout.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "core/cloud_event.hpp"

namespace todoai::pubsub {
namespace {

using V = std::vector<std::string_view>;

TEST(TopicLayout, ParsesBothNamesAndNothingElse) {
    EXPECT_EQ(parse_topic_layout("single"), TopicLayout::single);
    EXPECT_EQ(parse_topic_layout("per-type"), TopicLayout::per_type);
    EXPECT_FALSE(parse_topic_layout("per_type"));
    EXPECT_FALSE(parse_topic_layout(""));
    EXPECT_EQ(to_string(TopicLayout::single), "single");
    EXPECT_EQ(to_string(TopicLayout::per_type), "per-type");
}

TEST(TopicLayout, SingleIsTaskEventsAndReminders) {
    const Topics t;  // the default
    EXPECT_EQ(t.layout(), TopicLayout::single);
    for (auto type :
         {event_type::kTaskCreated, event_type::kTaskUpdated, event_type::kTaskCompleted, event_type::kTaskDeleted})
        EXPECT_EQ(t.topic_for(type), "task-events") << type;
    EXPECT_EQ(t.topic_for(event_type::kReminderScheduled), "reminders");
    EXPECT_EQ(t.topic_for(event_type::kReminderFired), "reminders");
    EXPECT_EQ(V(t.task_topics().begin(), t.task_topics().end()), V{"task-events"});
    EXPECT_EQ(V(t.reminder_topics().begin(), t.reminder_topics().end()), V{"reminders"});
    EXPECT_EQ(t.all(), (V{"task-events", "reminders"}));
}

TEST(TopicLayout, PerTypeUsesSeed001Names) {
    const Topics t(TopicLayout::per_type);
    EXPECT_EQ(t.topic_for(event_type::kTaskCreated), "task-created");
    EXPECT_EQ(t.topic_for(event_type::kTaskUpdated), "task-updated");
    EXPECT_EQ(t.topic_for(event_type::kTaskCompleted), "task-completed");
    EXPECT_EQ(t.topic_for(event_type::kTaskDeleted), "task-deleted");
    EXPECT_EQ(t.topic_for(event_type::kReminderFired), "reminder-due");
    EXPECT_EQ(t.topic_for(event_type::kReminderScheduled), "reminder-scheduled");
    EXPECT_EQ(V(t.task_topics().begin(), t.task_topics().end()),
              (V{"task-created", "task-updated", "task-completed", "task-deleted"}));
    EXPECT_EQ(V(t.reminder_topics().begin(), t.reminder_topics().end()), (V{"reminder-scheduled", "reminder-due"}));
    EXPECT_EQ(t.all().size(), 6u);
}

// Whatever is published must be consumed: every type's topic is among the topics subscribers are told about, in the
// right family (a task event on a reminder topic would reach the wrong consumers).
TEST(TopicLayout, EveryTypesTopicIsListedInItsFamily) {
    for (auto layout : {TopicLayout::single, TopicLayout::per_type}) {
        const Topics t(layout);
        const std::set<std::string_view> tasks(t.task_topics().begin(), t.task_topics().end());
        const std::set<std::string_view> reminders(t.reminder_topics().begin(), t.reminder_topics().end());
        std::set<std::string_view> used;
        for (auto type : event_type::kAll) {
            const auto topic = t.topic_for(type);
            used.insert(topic);
            const auto& family = type.starts_with("com.todoai.reminder.") ? reminders : tasks;
            EXPECT_TRUE(family.contains(topic)) << type << " -> " << topic << " in " << to_string(layout);
        }
        EXPECT_EQ(used.size(), t.all().size()) << "a listed topic no event goes to, in " << to_string(layout);
    }
}

TEST(TopicLayout, UnknownTypeIsAProgrammingError) {
    EXPECT_THROW((void)Topics().topic_for("com.todoai.task.exploded"), std::invalid_argument);
    EXPECT_THROW((void)Topics(TopicLayout::per_type).topic_for("task-created"), std::invalid_argument);
}

TEST(TopicLayout, KnownCoversBothLayoutsAndDeadLetterForms) {
    for (auto topic : {"task-events", "reminders", "task-created", "task-updated", "task-completed", "task-deleted",
                       "reminder-scheduled", "reminder-due", "task-events-dlq", "reminder-due-dlq"})
        EXPECT_TRUE(Topics::known(topic)) << topic;
    for (auto topic : {"task-updates", "task-events-dlq-dlq", "", "-dlq", "tasks"})
        EXPECT_FALSE(Topics::known(topic)) << topic;
}

}  // namespace
}  // namespace todoai::pubsub
