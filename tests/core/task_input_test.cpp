// The other spellings the hackathon's front ends send, each through parse_task_fields / apply_task_patch (the
// normalisation step runs inside both), and the camelCase output profile. The bodies re-create what those clients
// send (their API modules were read, not copied): the notes' own front end sends camelCase with a date-only dueDate,
// `recurringRule` daily|weekly|monthly|yearly, `recurringEndDate`, `reminderAt` and a `category`.
#include "core/task_input.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/task_json.hpp"
#include "core/time.hpp"

namespace todoai {
namespace {

namespace json = boost::json;

Timestamp at(std::string_view text) { return parse_rfc3339(text).value(); }

TaskFields ok(std::string_view body) {
    auto r = parse_task_fields(json::parse(body));
    if (auto* errors = std::get_if<FieldErrors>(&r)) {
        std::string all;
        for (const auto& e : *errors) all += e.field + ": " + e.message + "; ";
        ADD_FAILURE() << "unexpected errors for " << body << ": " << all;
        return {};
    }
    return std::get<TaskFields>(r);
}

std::vector<std::string> error_fields(std::string_view body) {
    auto r = parse_task_fields(json::parse(body));
    std::vector<std::string> out;
    if (auto* errors = std::get_if<FieldErrors>(&r))
        for (const auto& e : *errors) out.push_back(e.field);
    else
        ADD_FAILURE() << "expected errors for " << body;
    return out;
}

TEST(TaskInput, TheNotesFrontEndsCreateBody) {
    auto f = ok(R"({"title":"Pay rent","description":"","priority":"high","category":"home",
                    "dueDate":"2026-03-01","recurringRule":"monthly","reminderAt":"2026-02-28T09:00:00.000Z",
                    "tags":["bills"]})");
    EXPECT_EQ(f.title, "Pay rent");
    EXPECT_EQ(f.priority, Priority::high);
    EXPECT_EQ(f.category, "home");
    EXPECT_EQ(f.due_date, at("2026-03-01T23:59:59Z"));  // a date alone: the end of that day, UTC
    EXPECT_EQ(f.recurrence_schedule, RecurrenceSchedule::monthly);
    EXPECT_TRUE(f.is_recurring);
    ASSERT_EQ(f.reminders.size(), 1u);
    EXPECT_EQ(f.reminders[0].at, at("2026-02-28T09:00:00Z"));
}

TEST(TaskInput, RecurrenceAliasesAndTheirValues) {
    for (std::string_view alias : {"recurrence_rule", "recurringRule", "recurrence_pattern", "recurring_type",
                                   "recurringType", "recurrencePattern"}) {
        const std::string key(alias);
        EXPECT_EQ(ok(R"({"title":"t",")" + key + R"(":"weekly"})").recurrence_schedule, RecurrenceSchedule::weekly)
            << alias;
        EXPECT_EQ(ok(R"({"title":"t",")" + key + R"(":"Daily"})").recurrence_schedule, RecurrenceSchedule::daily)
            << alias;
        EXPECT_EQ(ok(R"({"title":"t",")" + key + R"(":"yearly"})").rrule, "FREQ=YEARLY") << alias;
        EXPECT_EQ(ok(R"({"title":"t",")" + key + R"(":"RRULE:FREQ=WEEKLY;BYDAY=MO"})").rrule, "FREQ=WEEKLY;BYDAY=MO")
            << alias;
        for (std::string_view none : {R"("none")", R"("")", "null"}) {
            auto f = ok(R"({"title":"t",")" + key + R"(":)" + std::string(none) + "}");
            EXPECT_FALSE(f.is_recurring) << alias << " " << none;
        }
        // Errors name the field in its snake_case spelling (camelCase keys are read as that).
        EXPECT_THAT(error_fields(R"({"title":"t",")" + key + R"(":"fortnightly"})"),
                    ::testing::ElementsAre(snake_case(key)));
        EXPECT_THAT(error_fields(R"({"title":"t",")" + key + R"(":7})"), ::testing::ElementsAre(snake_case(key)));
    }
    // An alias that contradicts the canonical field is named, not silently overruled.
    EXPECT_THAT(error_fields(R"({"title":"t","recurrence_rule":"daily","recurrence_schedule":"weekly"})"),
                ::testing::ElementsAre("recurrence_rule"));
    EXPECT_EQ(ok(R"({"title":"t","recurrence_rule":"daily","recurrence_schedule":"daily"})").recurrence_schedule,
              RecurrenceSchedule::daily);
}

TEST(TaskInput, RecurringEndDateBecomesUntil) {
    auto f = ok(R"({"title":"t","dueDate":"2026-01-05T09:00:00Z","recurringRule":"weekly",
                    "recurringEndDate":"2026-03-31"})");
    EXPECT_FALSE(f.recurrence_schedule);
    EXPECT_EQ(f.rrule, "FREQ=WEEKLY;UNTIL=20260331T235959Z");
    EXPECT_EQ(ok(R"({"title":"t","rrule":"FREQ=DAILY","recurring_end_date":"2026-03-31T10:00:00+02:00"})").rrule,
              "FREQ=DAILY;UNTIL=20260331T080000Z");
    EXPECT_THAT(error_fields(R"({"title":"t","recurringEndDate":"2026-03-31"})"),
                ::testing::ElementsAre("recurring_end_date"));
    EXPECT_THAT(error_fields(R"({"title":"t","rrule":"FREQ=DAILY;COUNT=3","recurringEndDate":"2026-03-31"})"),
                ::testing::ElementsAre("recurring_end_date"));
    EXPECT_THAT(error_fields(R"({"title":"t","rrule":"FREQ=DAILY","recurringEndDate":"soon"})"),
                ::testing::ElementsAre("recurring_end_date"));
}

TEST(TaskInput, CompletedAndStatusWords) {
    EXPECT_EQ(ok(R"({"title":"t","is_completed":true})").status, TaskStatus::complete);
    EXPECT_EQ(ok(R"({"title":"t","isCompleted":false})").status, TaskStatus::pending);
    EXPECT_EQ(ok(R"({"title":"t","status":"completed"})").status, TaskStatus::complete);
    EXPECT_EQ(ok(R"({"title":"t","status":"done"})").status, TaskStatus::complete);
    EXPECT_EQ(ok(R"({"title":"t","status":"open"})").status, TaskStatus::pending);
    EXPECT_EQ(ok(R"({"title":"t","status":"completed","completed":true})").status, TaskStatus::complete);
    EXPECT_THAT(error_fields(R"({"title":"t","status":"open","is_completed":true})"),
                ::testing::ElementsAre("completed"));
    EXPECT_THAT(error_fields(R"({"title":"t","status":"finished"})"), ::testing::ElementsAre("status"));
}

TEST(TaskInput, ReminderTimeIsOneReminder) {
    for (std::string_view alias : {"reminder_time", "reminderTime", "reminder_at", "reminderAt"}) {
        auto f = ok(R"({"title":"t",")" + std::string(alias) + R"(":"2026-02-28T09:00:00Z"})");
        ASSERT_EQ(f.reminders.size(), 1u) << alias;
        EXPECT_EQ(f.reminders[0].at, at("2026-02-28T09:00:00Z"));
        EXPECT_TRUE(ok(R"({"title":"t",")" + std::string(alias) + R"(":null})").reminders.empty());
        EXPECT_THAT(error_fields(R"({"title":"t",")" + std::string(alias) + R"(":"tomorrow"})"),
                    ::testing::ElementsAre(snake_case(alias)));
    }
    EXPECT_THAT(error_fields(R"({"title":"t","reminderAt":"2026-02-28T09:00:00Z","reminders":[]})"),
                ::testing::ElementsAre("reminder_at"));
}

TEST(TaskInput, CamelCaseOfEveryFieldAndReadOnlyOnes) {
    auto f = ok(R"({"title":"t","dueDate":"2026-02-08T10:00:00Z","isRecurring":true,"recurrenceSchedule":"daily",
                    "recurrenceFrom":"completion","reminders":[{"beforeDue":"PT15M"}],
                    "id":"x","userId":"u","createdAt":"c","updatedAt":"u","completedAt":null,"seriesId":null,
                    "version":3})");
    EXPECT_EQ(f.due_date, at("2026-02-08T10:00:00Z"));
    EXPECT_EQ(f.recurrence_schedule, RecurrenceSchedule::daily);
    EXPECT_EQ(f.recurrence_from, RecurrenceFrom::completion);
    ASSERT_EQ(f.reminders.size(), 1u);
    EXPECT_EQ(f.reminders[0].before_due, std::chrono::minutes(15));
    // Both spellings of one field: the snake_case one is taken as sent, the other reported, never merged silently.
    EXPECT_THAT(error_fields(R"({"title":"t","due_date":"2026-02-08T10:00:00Z","dueDate":"2026-02-09T10:00:00Z"})"),
                ::testing::ElementsAre("dueDate"));
    EXPECT_THAT(error_fields(R"({"title":"t","colour":"red"})"), ::testing::ElementsAre("colour"));
}

TEST(TaskInput, CategoryIsStoredAndLimited) {
    EXPECT_EQ(ok(R"({"title":"t","category":"work"})").category, "work");
    EXPECT_FALSE(ok(R"({"title":"t","category":null})").category);
    EXPECT_THAT(error_fields(R"({"title":"t","category":""})"), ::testing::ElementsAre("category"));
    EXPECT_THAT(error_fields(R"({"title":"t","category":")" + std::string(51, 'c') + R"("})"),
                ::testing::ElementsAre("category"));
}

TEST(TaskInput, PatchWithAliases) {
    TaskFields current = ok(R"({"title":"t","dueDate":"2026-01-05T09:00:00Z","rrule":"FREQ=WEEKLY;BYDAY=MO",
                                "reminderAt":"2026-01-05T08:00:00Z","category":"work"})");
    auto patched = [&](std::string_view patch) {
        auto r = apply_task_patch(current, json::parse(patch));
        EXPECT_TRUE(std::holds_alternative<TaskFields>(r)) << patch;
        return std::holds_alternative<TaskFields>(r) ? std::get<TaskFields>(r) : TaskFields{};
    };
    // A schedule alias replaces the stored rrule; its none removes the recurrence.
    auto f = patched(R"({"recurringRule":"daily"})");
    EXPECT_EQ(f.recurrence_schedule, RecurrenceSchedule::daily);
    EXPECT_FALSE(f.rrule);
    EXPECT_FALSE(patched(R"({"recurringRule":"none"})").is_recurring);
    // An end date alone ends the stored rule.
    EXPECT_EQ(patched(R"({"recurringEndDate":"2026-06-30"})").rrule, "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260630T235959Z");
    // A reminder time replaces the reminders; null clears them.
    EXPECT_EQ(patched(R"({"reminderAt":"2026-01-05T07:00:00Z"})").reminders.at(0).at, at("2026-01-05T07:00:00Z"));
    EXPECT_TRUE(patched(R"({"reminderAt":null})").reminders.empty());
    EXPECT_EQ(patched(R"({"status":"completed"})").status, TaskStatus::complete);
    EXPECT_EQ(patched(R"({"dueDate":"2026-02-01"})").due_date, at("2026-02-01T23:59:59Z"));
    EXPECT_EQ(patched(R"({"title":"u"})").category, "work");
    EXPECT_FALSE(patched(R"({"category":null})").category);
}

TEST(TaskInput, CaseConversions) {
    EXPECT_EQ(snake_case("dueDate"), "due_date");
    EXPECT_EQ(snake_case("recurringEndDate"), "recurring_end_date");
    EXPECT_EQ(snake_case("title"), "title");
    EXPECT_EQ(camel_case("due_date"), "dueDate");
    EXPECT_EQ(camel_case("is_recurring"), "isRecurring");
    EXPECT_EQ(camel_case("title"), "title");
}

TEST(TaskInput, CamelCaseOutputProfile) {
    Task task;
    task.id = "id-1";
    task.user_id = "u";
    task.fields.title = "t";
    task.fields.status = TaskStatus::complete;
    task.fields.due_date = at("2026-02-08T10:00:00Z");
    task.fields.reminders.push_back({.at = std::nullopt, .before_due = std::chrono::minutes(5), .before_due_text = "PT5M"});
    json::value v = json::array{to_json(task)};
    to_camel_case_output(v);
    const auto& o = v.as_array()[0].as_object();
    EXPECT_EQ(o.at("status"), "completed");  // the word those clients compare with
    EXPECT_EQ(o.at("completed"), true);
    EXPECT_EQ(o.at("dueDate"), "2026-02-08T10:00:00.000Z");
    EXPECT_EQ(o.at("userId"), "u");
    EXPECT_TRUE(o.contains("createdAt"));
    EXPECT_TRUE(o.contains("isRecurring"));
    EXPECT_EQ(o.at("reminders").as_array()[0].at("beforeDue"), "PT5M");
    for (const auto& kv : o) EXPECT_EQ(std::string(kv.key()).find('_'), std::string::npos) << kv.key();
    // What it produces is read back as the same task (a camelCase client may PUT back what it got).
    EXPECT_EQ(ok(json::serialize(o)), task.fields);
}

}  // namespace
}  // namespace todoai
