#include "core/recurrence.hpp"

#include <gtest/gtest.h>
#include <libical/ical.h>

#include <string>
#include <vector>

#include "core/time.hpp"
#include "core/uuid.hpp"

namespace todoai {
namespace {

Timestamp ts(std::string_view text) {
    auto t = parse_rfc3339(text);
    EXPECT_TRUE(t) << text;
    return t.value_or(Timestamp{});
}

TaskFields scheduled(RecurrenceSchedule schedule, std::optional<std::string_view> due) {
    TaskFields f;
    f.title = "water the plants";
    f.is_recurring = true;
    f.recurrence_schedule = schedule;
    if (due) f.due_date = ts(*due);
    return f;
}

TaskFields ruled(std::string rule, std::string_view due) {
    TaskFields f;
    f.title = "stand-up";
    f.is_recurring = true;
    f.rrule = std::move(rule);
    f.due_date = ts(due);
    return f;
}

std::string next_due(const TaskFields& f, std::string_view completed = "2026-11-25T08:00:00Z") {
    auto next = next_instance(f, ts(completed));
    return next ? format_rfc3339(next->due) : "(ended)";
}

// --- daily / weekly / monthly ------------------------------------------------------------------------------------

TEST(Recurrence, DailyAndWeeklyAddWholeUtcDays) {
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::daily, "2026-11-24T10:00:00Z")), "2026-11-25T10:00:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::weekly, "2026-11-24T10:00:00Z")), "2026-12-01T10:00:00.000Z");
    // Milliseconds are kept.
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::daily, "2026-11-24T10:00:00.250Z")), "2026-11-25T10:00:00.250Z");
    // Across a month end and a leap day.
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::daily, "2028-02-28T23:30:00Z")), "2028-02-29T23:30:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::weekly, "2028-02-25T09:00:00Z")), "2028-03-03T09:00:00.000Z");
}

TEST(Recurrence, MonthlyClampsToTheMonthsLastDay) {
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::monthly, "2028-01-31T09:00:00Z")), "2028-02-29T09:00:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::monthly, "2027-01-31T09:00:00Z")), "2027-02-28T09:00:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::monthly, "2027-03-31T09:00:00Z")), "2027-04-30T09:00:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::monthly, "2027-01-29T09:00:00Z")), "2027-02-28T09:00:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::monthly, "2027-01-15T09:00:00Z")), "2027-02-15T09:00:00.000Z");
}

TEST(Recurrence, YearRollsOverInDecember) {
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::monthly, "2026-12-31T18:00:00Z")), "2027-01-31T18:00:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::monthly, "2026-12-15T18:00:00Z")), "2027-01-15T18:00:00.000Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::daily, "2026-12-31T23:59:59.999Z")), "2027-01-01T23:59:59.999Z");
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::weekly, "2026-12-28T07:00:00Z")), "2027-01-04T07:00:00.000Z");
}

TEST(Recurrence, CompletionBasedCountsFromTheCompletionTime) {
    auto f = scheduled(RecurrenceSchedule::weekly, "2026-11-01T10:00:00Z");
    f.recurrence_from = RecurrenceFrom::completion;
    EXPECT_EQ(next_due(f, "2026-11-25T08:15:30.500Z"), "2026-12-02T08:15:30.500Z");
    auto monthly = scheduled(RecurrenceSchedule::monthly, "2026-11-01T10:00:00Z");
    monthly.recurrence_from = RecurrenceFrom::completion;
    EXPECT_EQ(next_due(monthly, "2027-01-31T12:00:00Z"), "2027-02-28T12:00:00.000Z");
}

TEST(Recurrence, NoDueDateCountsFromTheCompletionTime) {
    EXPECT_EQ(next_due(scheduled(RecurrenceSchedule::daily, std::nullopt), "2026-11-25T08:00:00Z"),
              "2026-11-26T08:00:00.000Z");
    TaskFields f;
    f.is_recurring = true;
    f.rrule = "FREQ=WEEKLY;BYDAY=MO";  // completed on a Wednesday
    EXPECT_EQ(next_due(f, "2026-11-25T08:00:00Z"), "2026-11-30T08:00:00.000Z");
}

TEST(Recurrence, NotRecurringOrNoRuleGivesNothing) {
    auto f = scheduled(RecurrenceSchedule::daily, "2026-11-24T10:00:00Z");
    f.is_recurring = false;
    EXPECT_FALSE(next_instance(f, ts("2026-11-25T00:00:00Z")));
    TaskFields no_rule;
    no_rule.is_recurring = true;
    EXPECT_FALSE(next_instance(no_rule, ts("2026-11-25T00:00:00Z")));
    EXPECT_FALSE(
        next_instance(scheduled(RecurrenceSchedule::daily, "9999-12-31T10:00:00Z"), ts("9999-12-31T11:00:00Z")));
}

TEST(Recurrence, ScheduleCarriesNoRule) {
    auto next = next_instance(scheduled(RecurrenceSchedule::daily, "2026-11-24T10:00:00Z"), ts("2026-11-24T11:00:00Z"));
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->rrule);
}

// --- RRULE ---------------------------------------------------------------------------------------------------------

TEST(RecurrenceRrule, WeeklyByDay) {
    // 2026-11-23 is a Monday.
    EXPECT_EQ(next_due(ruled("FREQ=WEEKLY;BYDAY=MO,WE,FR", "2026-11-23T09:00:00Z")), "2026-11-25T09:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=WEEKLY;BYDAY=MO,WE,FR", "2026-11-25T09:00:00Z")), "2026-11-27T09:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=WEEKLY;BYDAY=MO,WE,FR", "2026-11-27T09:00:00Z")), "2026-11-30T09:00:00.000Z");
    // A due date that is not itself an occurrence: the next matching day after it.
    EXPECT_EQ(next_due(ruled("FREQ=WEEKLY;BYDAY=MO,WE,FR", "2026-11-24T09:00:00Z")), "2026-11-25T09:00:00.000Z");
}

TEST(RecurrenceRrule, MonthlyByMonthDay31SkipsShortMonths) {
    EXPECT_EQ(next_due(ruled("FREQ=MONTHLY;BYMONTHDAY=31", "2027-01-31T10:00:00Z")), "2027-03-31T10:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=MONTHLY;BYMONTHDAY=31", "2027-03-31T10:00:00Z")), "2027-05-31T10:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=MONTHLY;BYMONTHDAY=31", "2027-07-31T10:00:00Z")), "2027-08-31T10:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=MONTHLY;BYMONTHDAY=31", "2026-12-31T10:00:00Z")), "2027-01-31T10:00:00.000Z");
}

TEST(RecurrenceRrule, Interval) {
    EXPECT_EQ(next_due(ruled("FREQ=WEEKLY;INTERVAL=2", "2026-11-24T10:00:00Z")), "2026-12-08T10:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=DAILY;INTERVAL=3", "2026-12-30T10:00:00Z")), "2027-01-02T10:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=MONTHLY;INTERVAL=2", "2026-11-15T10:00:00Z")), "2027-01-15T10:00:00.000Z");
}

TEST(RecurrenceRrule, CountCountsDownThenEnds) {
    auto f = ruled("FREQ=DAILY;COUNT=3", "2026-11-24T10:00:00Z");
    auto next = next_instance(f, ts("2026-11-24T11:00:00Z"));
    ASSERT_TRUE(next);
    EXPECT_EQ(format_rfc3339(next->due), "2026-11-25T10:00:00.000Z");
    EXPECT_EQ(next->rrule, "FREQ=DAILY;COUNT=2");

    f.due_date = next->due;
    f.rrule = next->rrule;
    next = next_instance(f, ts("2026-11-25T11:00:00Z"));
    ASSERT_TRUE(next);
    EXPECT_EQ(format_rfc3339(next->due), "2026-11-26T10:00:00.000Z");
    EXPECT_EQ(next->rrule, "FREQ=DAILY;COUNT=1");

    f.due_date = next->due;
    f.rrule = next->rrule;
    EXPECT_FALSE(next_instance(f, ts("2026-11-26T11:00:00Z")));
}

TEST(RecurrenceRrule, CountRewriteKeepsTheOtherPartsAsWritten) {
    auto next =
        next_instance(ruled("freq=weekly;count=10;byday=mo,fr", "2026-11-23T09:00:00Z"), ts("2026-11-23T10:00:00Z"));
    ASSERT_TRUE(next);
    EXPECT_EQ(format_rfc3339(next->due), "2026-11-27T09:00:00.000Z");
    EXPECT_EQ(next->rrule, "freq=weekly;count=9;byday=mo,fr");
}

TEST(RecurrenceRrule, RuleWithoutCountIsCarriedUnchanged) {
    auto next = next_instance(ruled("FREQ=WEEKLY;BYDAY=TU", "2026-11-24T09:00:00Z"), ts("2026-11-24T10:00:00Z"));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->rrule, "FREQ=WEEKLY;BYDAY=TU");
}

TEST(RecurrenceRrule, UntilEndsTheSeries) {
    EXPECT_EQ(next_due(ruled("FREQ=DAILY;UNTIL=20200101T000000Z", "2026-11-24T10:00:00Z")), "(ended)");
    // The next occurrence would fall after UNTIL.
    EXPECT_EQ(next_due(ruled("FREQ=WEEKLY;UNTIL=20261130T000000Z", "2026-11-24T10:00:00Z")), "(ended)");
    // UNTIL still ahead: the series goes on.
    EXPECT_EQ(next_due(ruled("FREQ=DAILY;UNTIL=20261231T000000Z", "2026-11-24T10:00:00Z")), "2026-11-25T10:00:00.000Z");
}

TEST(RecurrenceRrule, YearlyFromLeapDayWaitsForTheNextLeapDay) {
    EXPECT_EQ(next_due(ruled("FREQ=YEARLY", "2024-02-29T12:00:00Z")), "2028-02-29T12:00:00.000Z");
    EXPECT_EQ(next_due(ruled("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2096-02-29T12:00:00Z")),
              "2104-02-29T12:00:00.000Z");  // 2100 is not a leap year
}

TEST(RecurrenceRrule, PrefixAndLowercaseAreAccepted) {
    EXPECT_EQ(next_due(ruled("RRULE:FREQ=DAILY", "2026-11-24T10:00:00Z")), "2026-11-25T10:00:00.000Z");
    EXPECT_EQ(next_due(ruled("freq=weekly;byday=fr", "2026-11-24T10:00:00Z")), "2026-11-27T10:00:00.000Z");
}

TEST(RecurrenceRrule, RulesWithoutAFutureOccurrenceEndQuickly) {
    for (const char* rule : {"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
                             "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
                             "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30", "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
                             "FREQ=NEVERLY", "not a rule"}) {
        const auto started = std::chrono::steady_clock::now();
        EXPECT_EQ(next_due(ruled(rule, "2026-11-24T10:00:00Z")), "(ended)") << rule;
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2)) << rule;
    }
}

// Sub-daily rules on rare days: a fixed search horizon (1 day for SECONDLY, 60 for MINUTELY, 5 years for HOURLY)
// ended these series although their next day was only years away (issue 11). The days are found first now.
TEST(RecurrenceRrule, SubDailyRulesOnRareDaysReachTheNextSuchDay) {
    struct Case {
        const char* rule;
        const char* due;
        const char* next;
    };
    for (const auto& c : {
             Case{"FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29", "2028-02-29T23:59:59Z", "2032-02-29T00:00:00.000Z"},
             Case{"FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29", "2028-02-29T23:59:00Z", "2032-02-29T00:00:00.000Z"},
             Case{"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29", "2028-02-29T23:00:00Z", "2032-02-29T00:00:00.000Z"},
             // 2100 is no leap year: eight years, past the old five-year horizon of HOURLY.
             Case{"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29", "2096-02-29T23:00:00Z", "2104-02-29T00:00:00.000Z"},
             Case{"FREQ=HOURLY;BYYEARDAY=366", "2028-12-31T23:00:00Z", "2032-12-31T00:00:00.000Z"},
             // Feb 29 on a Monday: 2016, then 2044.
             Case{"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "2016-02-29T23:00:00Z", "2044-02-29T00:00:00.000Z"},
             Case{"FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=12;BYMINUTE=30", "2028-02-29T12:30:00Z",
                  "2032-02-29T12:30:00.000Z"},
             // Within the day as before.
             Case{"FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29", "2028-02-29T10:00:00.250Z", "2028-02-29T10:00:01.250Z"},
         }) {
        const auto started = std::chrono::steady_clock::now();
        EXPECT_EQ(next_due(ruled(c.rule, c.due)), c.next) << c.rule << " from " << c.due;
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3)) << c.rule;
    }
}

// INTERVAL keeps its phase across the skipped days: the next instance is on the base's grid of INTERVAL units.
TEST(RecurrenceRrule, SubDailyIntervalKeepsItsPhaseAcrossSkippedDays) {
    const auto base = ts("2028-02-29T23:55:00Z");
    const auto next = next_instance(ruled("FREQ=MINUTELY;INTERVAL=7;BYMONTH=2;BYMONTHDAY=29", "2028-02-29T23:55:00Z"),
                                    base + std::chrono::hours(1));
    ASSERT_TRUE(next);
    const auto day = ts("2032-02-29T00:00:00Z");
    const auto steps = (day - base + std::chrono::minutes(7) - std::chrono::milliseconds(1)) / std::chrono::minutes(7);
    EXPECT_EQ(format_rfc3339(next->due), format_rfc3339(base + steps * std::chrono::minutes(7)));
    EXPECT_LT(next->due - day, std::chrono::minutes(7));
}

// UNTIL still ends such a series, and COUNT still counts down.
TEST(RecurrenceRrule, SubDailyRulesOnRareDaysKeepUntilAndCount) {
    EXPECT_EQ(next_due(ruled("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20310101T000000Z", "2028-02-29T23:00:00Z")),
              "(ended)");
    const auto next = next_instance(ruled("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;COUNT=3", "2028-02-29T23:00:00Z"),
                                    ts("2028-03-01T00:00:00Z"));
    ASSERT_TRUE(next);
    EXPECT_EQ(format_rfc3339(next->due), "2032-02-29T00:00:00.000Z");
    EXPECT_EQ(next->rrule, "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;COUNT=2");
}

TEST(RecurrenceRrule, RuleTakesTheBaseTimeOfDay) {
    EXPECT_EQ(next_due(ruled("FREQ=DAILY", "2026-11-24T10:00:00.750Z")), "2026-11-25T10:00:00.750Z");
    EXPECT_EQ(next_due(ruled("FREQ=HOURLY;INTERVAL=6", "2026-11-24T22:00:00Z")), "2026-11-25T04:00:00.000Z");
}

// Chaining next_instance from each due date must walk the same dates as libical iterating the rule from the first.
TEST(RecurrenceRrule, ChainedInstancesMatchLibicalsIteration) {
    struct Case {
        const char* rule;
        const char* start;
    };
    for (const auto& c :
         {Case{"FREQ=WEEKLY;BYDAY=MO,WE,FR", "2026-11-23T09:00:00Z"},
          Case{"FREQ=MONTHLY;BYMONTHDAY=31", "2027-01-31T10:00:00Z"},
          Case{"FREQ=MONTHLY;BYMONTHDAY=-1", "2027-01-31T10:00:00Z"},
          Case{"FREQ=MONTHLY;BYDAY=-1FR", "2026-11-27T16:00:00Z"}, Case{"FREQ=YEARLY", "2024-02-29T00:00:00Z"},
          Case{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "2026-11-24T07:30:00Z"},
          Case{"FREQ=MONTHLY;BYDAY=2MO", "2026-12-14T08:00:00Z"}}) {
        icalrecurrencetype rule = icalrecurrencetype_from_string(c.rule);
        ASSERT_NE(rule.freq, ICAL_NO_RECURRENCE) << c.rule;
        const auto start = ts(c.start);
        const auto start_s = std::chrono::floor<std::chrono::seconds>(start).time_since_epoch().count();
        icalrecur_iterator* it =
            icalrecur_iterator_new(rule, icaltime_from_timet_with_zone(start_s, 0, icaltimezone_get_utc_timezone()));
        ASSERT_NE(it, nullptr) << c.rule;
        std::vector<std::string> expected;
        while (expected.size() < 24) {
            auto t = icalrecur_iterator_next(it);
            ASSERT_FALSE(icaltime_is_null_time(t)) << c.rule;
            expected.push_back(format_rfc3339(
                Timestamp{std::chrono::seconds{icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone())}}));
        }
        icalrecur_iterator_free(it);
        ASSERT_EQ(expected.front(), format_rfc3339(start)) << c.rule;

        std::vector<std::string> chained{format_rfc3339(start)};
        auto f = ruled(c.rule, c.start);
        while (chained.size() < expected.size()) {
            auto next = next_instance(f, *f.due_date + std::chrono::hours{1});
            ASSERT_TRUE(next) << c.rule;
            chained.push_back(format_rfc3339(next->due));
            f.due_date = next->due;
        }
        EXPECT_EQ(chained, expected) << c.rule;
    }
}

// --- instance ids --------------------------------------------------------------------------------------------------

TEST(InstanceId, DeterministicPerSeriesAndDueDate) {
    const std::string series = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const auto due = ts("2026-11-25T10:00:00Z");
    const auto id = instance_id(series, due);
    EXPECT_TRUE(is_uuid(id));
    EXPECT_EQ(id[14], '5');  // UUIDv5
    EXPECT_EQ(id, instance_id(series, due));
    EXPECT_EQ(id, instance_id(series, ts("2026-11-25T11:00:00+01:00")));  // the same instant written differently
    EXPECT_NE(id, instance_id(series, due + std::chrono::milliseconds{1}));
    EXPECT_NE(id, instance_id("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", due));
    // Pinned: changing the namespace or the name format would let a redelivery create a second instance.
    EXPECT_EQ(id, uuid_v5("5b0f3c6e-2d4a-4e8b-9a71-3f6c2e8d9b14", series + "|2026-11-25T10:00:00.000Z"));
}

}  // namespace
}  // namespace todoai
