#include "core/task.hpp"

#include <gtest/gtest.h>

namespace todoai {
namespace {

TEST(TaskEnumTest, RoundTripsEveryValue) {
    for (auto s : {TaskStatus::pending, TaskStatus::in_progress, TaskStatus::complete})
        EXPECT_EQ(parse_task_status(to_string(s)), s);
    for (auto p : {Priority::low, Priority::medium, Priority::high}) EXPECT_EQ(parse_priority(to_string(p)), p);
    for (auto r : {RecurrenceSchedule::daily, RecurrenceSchedule::weekly, RecurrenceSchedule::monthly})
        EXPECT_EQ(parse_recurrence_schedule(to_string(r)), r);
    for (auto r : {RecurrenceFrom::due, RecurrenceFrom::completion}) EXPECT_EQ(parse_recurrence_from(to_string(r)), r);
}

TEST(TaskEnumTest, WireNames) {
    EXPECT_EQ(to_string(TaskStatus::in_progress), "in_progress");
    EXPECT_EQ(to_string(Priority::high), "high");
    EXPECT_EQ(to_string(RecurrenceSchedule::monthly), "monthly");
    EXPECT_EQ(to_string(RecurrenceFrom::completion), "completion");
}

TEST(TaskEnumTest, RejectsUnknownAndOtherCase) {
    EXPECT_EQ(parse_task_status("done"), std::nullopt);
    EXPECT_EQ(parse_task_status("Pending"), std::nullopt);
    EXPECT_EQ(parse_priority(""), std::nullopt);
    EXPECT_EQ(parse_priority("urgent"), std::nullopt);
    EXPECT_EQ(parse_recurrence_schedule("yearly"), std::nullopt);
    EXPECT_EQ(parse_recurrence_from("start"), std::nullopt);
}

TEST(TaskTest, CompletedFollowsStatus) {
    Task t;
    EXPECT_FALSE(t.completed());
    t.fields.status = TaskStatus::in_progress;
    EXPECT_FALSE(t.completed());
    t.fields.status = TaskStatus::complete;
    EXPECT_TRUE(t.completed());
}

}  // namespace
}  // namespace todoai
