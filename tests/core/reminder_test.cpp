#include "core/reminder.hpp"

#include <gtest/gtest.h>

#include "core/time.hpp"
#include "core/uuid.hpp"

namespace todoai {
namespace {

using namespace std::chrono_literals;

Timestamp ts(std::string_view text) {
    auto t = parse_rfc3339(text);
    EXPECT_TRUE(t) << text;
    return t.value_or(Timestamp{});
}

Reminder at(std::string_view text) { return Reminder{.at = ts(text)}; }
Reminder before(std::string_view duration) {
    return Reminder{.before_due = parse_iso8601_duration(duration), .before_due_text = std::string(duration)};
}

TEST(ReminderTimes, AbsoluteAndBeforeDueSortedByTime) {
    TaskFields f;
    f.due_date = ts("2026-03-01T10:00:00Z");
    f.reminders = {at("2026-03-01T09:55:00Z"), before("PT1H"), before("P1D")};
    auto times = reminder_times(f);
    ASSERT_EQ(times.size(), 3u);
    EXPECT_EQ(times[0].at, ts("2026-02-28T10:00:00Z"));
    EXPECT_EQ(times[0].index, 2u);
    EXPECT_EQ(times[1].at, ts("2026-03-01T09:00:00Z"));
    EXPECT_EQ(times[1].index, 1u);
    EXPECT_EQ(times[2].at, ts("2026-03-01T09:55:00Z"));
    EXPECT_EQ(times[2].index, 0u);
}

TEST(ReminderTimes, BeforeDueWithoutDueDateIsSkipped) {
    TaskFields f;
    f.reminders = {before("PT15M"), at("2026-03-01T08:00:00Z")};
    auto times = reminder_times(f);
    ASSERT_EQ(times.size(), 1u);
    EXPECT_EQ(times[0].at, ts("2026-03-01T08:00:00Z"));
    EXPECT_EQ(times[0].index, 1u);
}

TEST(ReminderTimes, SameInstantTwiceIsKeptOnceWithTheFirstIndex) {
    TaskFields f;
    f.due_date = ts("2026-03-01T10:00:00Z");
    f.reminders = {before("PT15M"), at("2026-03-01T09:45:00Z"), at("2026-03-01T09:45:00Z")};
    auto times = reminder_times(f);
    ASSERT_EQ(times.size(), 1u);
    EXPECT_EQ(times[0].at, ts("2026-03-01T09:45:00Z"));
    EXPECT_EQ(times[0].index, 0u);
}

TEST(ReminderTimes, NoRemindersNoTimes) {
    TaskFields f;
    f.due_date = ts("2026-03-01T10:00:00Z");
    EXPECT_TRUE(reminder_times(f).empty());
}

TEST(ReminderTimes, MillisecondsAndLeapDayKept) {
    TaskFields f;
    f.due_date = ts("2028-03-01T00:00:00.250Z");
    f.reminders = {before("P1D")};
    auto times = reminder_times(f);
    ASSERT_EQ(times.size(), 1u);
    EXPECT_EQ(format_rfc3339(times[0].at), "2028-02-29T00:00:00.250Z");
}

TEST(ShiftReminders, AbsoluteMoveWithTheDueDateOffsetsStay) {
    std::vector<Reminder> rs{at("2026-03-01T09:00:00Z"), before("PT30M")};
    auto shifted = shift_reminders(rs, ts("2026-03-01T10:00:00Z"), ts("2026-03-08T10:00:00Z"));
    ASSERT_EQ(shifted.size(), 2u);
    EXPECT_EQ(shifted[0].at, ts("2026-03-08T09:00:00Z"));
    EXPECT_EQ(shifted[1], rs[1]);
    EXPECT_EQ(shifted[1].before_due_text, "PT30M");
}

TEST(ShiftReminders, BackwardsAndZeroShift) {
    std::vector<Reminder> rs{at("2026-03-10T09:00:00Z")};
    EXPECT_EQ(shift_reminders(rs, ts("2026-03-10T10:00:00Z"), ts("2026-03-01T10:00:00Z"))[0].at,
              ts("2026-03-01T09:00:00Z"));
    EXPECT_EQ(shift_reminders(rs, ts("2026-03-10T10:00:00Z"), ts("2026-03-10T10:00:00Z")), rs);
}

TEST(ReminderId, StableUuidPerTaskAndInstant) {
    const std::string task = "0190f0e4-7c1a-7000-8000-000000000001";
    const auto t = ts("2026-03-01T09:00:00Z");
    const auto id = reminder_id(task, t);
    EXPECT_TRUE(is_uuid(id));
    EXPECT_EQ(id, reminder_id(task, t));
    EXPECT_EQ(id, uuid_v5(kReminderIdNamespace, task + "/2026-03-01T09:00:00.000Z"));
    EXPECT_NE(id, reminder_id(task, t + 1ms));
    EXPECT_NE(id, reminder_id("0190f0e4-7c1a-7000-8000-000000000002", t));
}

TEST(ReminderTimes, WithManualClockOnlyFutureOnesMatterToTheCaller) {
    ManualClock clock(ts("2026-03-01T09:30:00Z"));
    TaskFields f;
    f.due_date = ts("2026-03-01T10:00:00Z");
    f.reminders = {before("PT1H"), before("PT15M")};
    std::vector<Timestamp> future;
    for (const auto& rt : reminder_times(f))
        if (rt.at > clock.now()) future.push_back(rt.at);
    ASSERT_EQ(future.size(), 1u);
    EXPECT_EQ(future[0], ts("2026-03-01T09:45:00Z"));
}

}  // namespace
}  // namespace todoai
