#include "core/task_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "core/time.hpp"

namespace todoai {
namespace {

namespace json = boost::json;
using namespace std::chrono;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::UnorderedElementsAre;

// ---- helpers ---------------------------------------------------------------------------------------------------

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

FieldErrors errors_of(const json::value& body) {
    auto r = parse_task_fields(body);
    if (auto* errors = std::get_if<FieldErrors>(&r)) return *errors;
    ADD_FAILURE() << "expected errors for " << json::serialize(body);
    return {};
}
FieldErrors errors_of(const char* body) { return errors_of(json::parse(body)); }

std::vector<std::string> fields_of(const FieldErrors& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors) out.push_back(e.field);
    return out;
}

std::string repeat(std::string_view unit, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += unit;
    return s;
}

json::object with_title(std::string title) {
    json::object o;
    o["title"] = title;
    return o;
}

Task sample_task() {
    Task t;
    t.id = "0190a5c6-1111-7abc-8def-0123456789ab";
    t.user_id = "user-1";
    t.fields.title = "Pay rent \xe2\x82\xac";
    t.fields.description = "before the 5th";
    t.fields.status = TaskStatus::in_progress;
    t.fields.priority = Priority::high;
    t.fields.tags = {"home", "money"};
    t.fields.due_date = at("2026-03-05T09:00:00.250Z");
    t.fields.reminders = {Reminder{.at = at("2026-03-04T09:00:00Z")},
                          Reminder{.before_due = minutes{90}, .before_due_text = "PT1H30M"}};
    t.fields.is_recurring = true;
    t.fields.recurrence_schedule = RecurrenceSchedule::monthly;
    t.fields.recurrence_from = RecurrenceFrom::completion;
    t.series_id = "series-9";
    t.created_at = at("2026-02-08T10:00:00Z");
    t.updated_at = at("2026-02-08T11:00:00.001Z");
    t.completed_at = std::nullopt;
    t.version = 7;
    return t;
}

// ---- defaults and happy paths ----------------------------------------------------------------------------------

TEST(TaskFieldsTest, MinimalBodyTakesDefaults) {
    const TaskFields f = ok(R"({"title":"Buy milk"})");
    EXPECT_EQ(f.title, "Buy milk");
    EXPECT_EQ(f.description, "");
    EXPECT_EQ(f.status, TaskStatus::pending);
    EXPECT_EQ(f.priority, Priority::medium);
    EXPECT_TRUE(f.tags.empty());
    EXPECT_EQ(f.due_date, std::nullopt);
    EXPECT_TRUE(f.reminders.empty());
    EXPECT_FALSE(f.is_recurring);
    EXPECT_EQ(f.recurrence_from, RecurrenceFrom::due);
}

TEST(TaskFieldsTest, FullBody) {
    const TaskFields f = ok(R"({"title":"T","description":"D","status":"in_progress","priority":"low",
        "tags":["a","b"],"due_date":"2026-02-08T12:00:00+02:00",
        "reminders":[{"at":"2026-02-08T09:00:00Z"},{"before_due":"PT15M"}],
        "recurrence_schedule":"weekly","recurrence_from":"completion"})");
    EXPECT_EQ(f.description, "D");
    EXPECT_EQ(f.status, TaskStatus::in_progress);
    EXPECT_EQ(f.priority, Priority::low);
    EXPECT_THAT(f.tags, ElementsAre("a", "b"));
    EXPECT_EQ(f.due_date, at("2026-02-08T10:00:00Z"));
    ASSERT_EQ(f.reminders.size(), 2u);
    EXPECT_EQ(f.reminders[0].at, at("2026-02-08T09:00:00Z"));
    EXPECT_EQ(f.reminders[1].before_due, minutes{15});
    EXPECT_EQ(f.reminders[1].before_due_text, "PT15M");
    EXPECT_TRUE(f.is_recurring);  // implied by the schedule
    EXPECT_EQ(f.recurrence_schedule, RecurrenceSchedule::weekly);
    EXPECT_EQ(f.recurrence_from, RecurrenceFrom::completion);
}

TEST(TaskFieldsTest, TitleIsNotTrimmed) { EXPECT_EQ(ok(R"({"title":"  x  "})").title, "  x  "); }

TEST(TaskFieldsTest, NullsTakeDefaults) {
    const TaskFields f = ok(R"({"title":"T","description":null,"status":null,"priority":null,"tags":null,
        "due_date":null,"reminders":null,"is_recurring":null,"recurrence_schedule":null,"rrule":null,
        "recurrence_from":null,"completed":null})");
    EXPECT_EQ(f, TaskFields{.title = "T"});
}

TEST(TaskFieldsTest, ReadOnlyFieldsAreIgnored) {
    const TaskFields f = ok(R"({"title":"T","id":"x","user_id":"u","created_at":"whatever","updated_at":1,
        "completed_at":null,"version":"v","series_id":{}})");
    EXPECT_EQ(f, TaskFields{.title = "T"});
}

// ---- limits ----------------------------------------------------------------------------------------------------

TEST(TaskFieldsTest, TitleLengthBoundaries) {
    EXPECT_THAT(fields_of(errors_of(with_title(""))), ElementsAre("title"));
    EXPECT_EQ(ok(json::serialize(with_title("a"))).title, "a");
    EXPECT_EQ(ok(json::serialize(with_title(repeat("a", 255)))).title.size(), 255u);
    EXPECT_THAT(fields_of(errors_of(with_title(repeat("a", 256)))), ElementsAre("title"));
    // Multibyte: 255 euro signs are 765 bytes but 255 characters.
    EXPECT_EQ(ok(json::serialize(with_title(repeat("\xe2\x82\xac", 255)))).title.size(), 765u);
    EXPECT_THAT(fields_of(errors_of(with_title(repeat("\xe2\x82\xac", 256)))), ElementsAre("title"));
    EXPECT_EQ(ok(json::serialize(with_title(repeat("\xf0\x9f\x98\x80", 255)))).title.size(), 1020u);
}

TEST(TaskFieldsTest, TitleMessageSaysTheLimit) {
    const FieldErrors e = errors_of(with_title(repeat("a", 256)));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_THAT(e[0].message, ::testing::HasSubstr("255"));
}

TEST(TaskFieldsTest, TitleRequiredAndTyped) {
    EXPECT_EQ(errors_of(R"({})"), (FieldErrors{{"title", "is required"}}));
    EXPECT_EQ(errors_of(R"({"title":null})"), (FieldErrors{{"title", "must be a string"}}));
    EXPECT_EQ(errors_of(R"({"title":5})"), (FieldErrors{{"title", "must be a string"}}));
}

TEST(TaskFieldsTest, InvalidUtf8IsRejected) {
    // Boost.JSON's parser rejects invalid UTF-8, but a value built in code is not checked; the validator is.
    json::object o = with_title("ok");
    o["description"] = std::string("\xc3\x28");
    EXPECT_EQ(errors_of(o), (FieldErrors{{"description", "must be valid UTF-8"}}));
}

TEST(TaskFieldsTest, DescriptionLengthBoundaries) {
    json::object o = with_title("t");
    o["description"] = repeat("\xc3\xa9", 10'000);
    EXPECT_EQ(ok(json::serialize(o)).description.size(), 20'000u);
    o["description"] = repeat("a", 10'001);
    EXPECT_THAT(fields_of(errors_of(o)), ElementsAre("description"));
}

json::array tag_array(std::size_t n, std::size_t len = 3) {
    json::array a;
    for (std::size_t i = 0; i < n; ++i) {
        std::string tag = std::to_string(i);
        tag.resize(std::max(len, tag.size()), 'x');
        a.emplace_back(tag);
    }
    return a;
}

TEST(TaskFieldsTest, TagCountBoundaries) {
    json::object o = with_title("t");
    o["tags"] = tag_array(20);
    EXPECT_EQ(ok(json::serialize(o)).tags.size(), 20u);
    o["tags"] = tag_array(21);
    EXPECT_THAT(fields_of(errors_of(o)), ElementsAre("tags"));
}

TEST(TaskFieldsTest, DuplicatesDoNotCountAgainstTheLimit) {
    json::object o = with_title("t");
    json::array a = tag_array(20);
    a.emplace_back("0xx");
    o["tags"] = a;
    EXPECT_EQ(ok(json::serialize(o)).tags.size(), 20u);
}

TEST(TaskFieldsTest, TagLengthBoundaries) {
    json::object o = with_title("t");
    o["tags"] = json::array{std::string(50, 'a'), repeat("\xc3\xa9", 50)};
    EXPECT_EQ(ok(json::serialize(o)).tags.size(), 2u);
    o["tags"] = json::array{"ok", std::string(51, 'a'), "", repeat("\xc3\xa9", 51)};
    EXPECT_THAT(fields_of(errors_of(o)), ElementsAre("tags[1]", "tags[2]", "tags[3]"));
}

TEST(TaskFieldsTest, TagsAreDeduplicatedInFirstOrder) {
    EXPECT_THAT(ok(R"({"title":"t","tags":["b","a","b","c","a"]})").tags, ElementsAre("b", "a", "c"));
}

TEST(TaskFieldsTest, TagsAsCommaSeparatedString) {
    EXPECT_THAT(ok(R"({"title":"t","tags":" work, home ,,work,  "})").tags, ElementsAre("work", "home"));
    EXPECT_TRUE(ok(R"({"title":"t","tags":""})").tags.empty());
    json::object o = with_title("t");
    o["tags"] = "ok, " + std::string(51, 'a');
    EXPECT_THAT(fields_of(errors_of(o)), ElementsAre("tags[1]"));
    std::string many;
    for (int i = 0; i < 21; ++i) many.append("t").append(std::to_string(i)).append(",");
    o["tags"] = many;
    EXPECT_THAT(fields_of(errors_of(o)), ElementsAre("tags"));
}

TEST(TaskFieldsTest, TagTypes) {
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","tags":["a",1,null]})")), ElementsAre("tags[1]", "tags[2]"));
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","tags":{"a":1}})")), ElementsAre("tags"));
}

TEST(TaskFieldsTest, HugeTagArrayGivesABoundedErrorList) {
    json::object o = with_title("t");
    json::array a(100'000, json::value(1));
    o["tags"] = std::move(a);
    const FieldErrors e = errors_of(o);
    EXPECT_LE(e.size(), limits::kTagsMax + 1);
    EXPECT_GE(e.size(), 1u);
}

json::array reminder_array(std::size_t n) {
    json::array a;
    for (std::size_t i = 0; i < n; ++i) a.emplace_back(json::object{{"at", "2026-02-08T10:00:00Z"}});
    return a;
}

TEST(TaskFieldsTest, ReminderCountBoundaries) {
    json::object o = with_title("t");
    o["reminders"] = reminder_array(10);
    EXPECT_EQ(ok(json::serialize(o)).reminders.size(), 10u);
    o["reminders"] = reminder_array(11);
    EXPECT_THAT(fields_of(errors_of(o)), ElementsAre("reminders"));
}

TEST(TaskFieldsTest, ReminderShapes) {
    const FieldErrors e = errors_of(R"({"title":"t","due_date":"2026-02-08T10:00:00Z","reminders":[
        {}, {"at":"2026-02-08T09:00:00Z","before_due":"PT5M"}, 5, {"at":"tomorrow"}, {"before_due":"P1W"},
        {"before_due":"PT5M","note":"x"}, {"at":7}]})");
    EXPECT_THAT(fields_of(e), ElementsAre("reminders[0]", "reminders[1]", "reminders[2]", "reminders[3].at",
                                          "reminders[4].before_due", "reminders[5].note", "reminders[6].at"));
}

TEST(TaskFieldsTest, BeforeDueNeedsADueDate) {
    EXPECT_EQ(errors_of(R"({"title":"t","reminders":[{"at":"2026-02-08T09:00:00Z"},{"before_due":"PT15M"}]})"),
              (FieldErrors{{"reminders[1].before_due", "needs due_date to be set"}}));
    // When due_date itself is wrong, only that is reported.
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","due_date":"soon","reminders":[{"before_due":"PT15M"}]})")),
                ElementsAre("due_date"));
}

// ---- enums, types, compat --------------------------------------------------------------------------------------

TEST(TaskFieldsTest, EnumErrorsNameTheFieldAndTheChoices) {
    const FieldErrors e = errors_of(
        R"({"title":"t","status":"finished","priority":"urgent","recurrence_schedule":"yearly","recurrence_from":1})");
    EXPECT_THAT(fields_of(e), UnorderedElementsAre("status", "priority", "recurrence_schedule", "recurrence_from"));
    for (const auto& err : e) {
        EXPECT_THAT(err.message, ::testing::StartsWith("must be one of")) << err.field;
    }
    EXPECT_THAT(e[0].message, ::testing::HasSubstr("in_progress"));
}

TEST(TaskFieldsTest, WrongTypesNameFieldAndExpectedType) {
    const FieldErrors e = errors_of(R"({"title":1,"description":[],"completed":"yes","is_recurring":"no",
        "rrule":5,"due_date":20260208,"reminders":{}})");
    EXPECT_THAT(e, UnorderedElementsAre(
                       FieldError{"title", "must be a string"}, FieldError{"description", "must be a string"},
                       FieldError{"completed", "must be a boolean"}, FieldError{"is_recurring", "must be a boolean"},
                       FieldError{"rrule", "must be a string or null"}, Field(&FieldError::field, "due_date"),
                       FieldError{"reminders", "must be an array"}));
}

TEST(TaskFieldsTest, UnknownFieldsAreNamed) {
    EXPECT_EQ(errors_of(R"({"title":"t","colour":"red","Title":"x"})"),
              (FieldErrors{{"colour", "unknown field"}, {"Title", "unknown field"}}));
}

TEST(TaskFieldsTest, AllErrorsAreReportedTogether) {
    const FieldErrors e = errors_of(R"({"title":"","priority":"x","tags":[""],"due_date":"x","nope":1})");
    EXPECT_THAT(fields_of(e), UnorderedElementsAre("title", "priority", "tags[0]", "due_date", "nope"));
}

TEST(TaskFieldsTest, NonObjectBodyIsOneErrorOnTheRoot) {
    for (const char* body : {"[]", "null", "\"t\"", "1"}) {
        const FieldErrors e = errors_of(body);
        ASSERT_EQ(e.size(), 1u) << body;
        EXPECT_EQ(e[0].field, "") << body;
    }
}

TEST(TaskFieldsTest, CompletedSetsStatusWhenStatusAbsent) {
    EXPECT_EQ(ok(R"({"title":"t","completed":true})").status, TaskStatus::complete);
    EXPECT_EQ(ok(R"({"title":"t","completed":false})").status, TaskStatus::pending);
    EXPECT_EQ(ok(R"({"title":"t","completed":true,"status":"complete"})").status, TaskStatus::complete);
    EXPECT_EQ(ok(R"({"title":"t","completed":false,"status":"in_progress"})").status, TaskStatus::in_progress);
}

TEST(TaskFieldsTest, CompletedContradictingStatusIsAnError) {
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","completed":true,"status":"pending"})")), ElementsAre("completed"));
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","completed":false,"status":"complete"})")),
                ElementsAre("completed"));
    // A bad status is reported once, not again through completed.
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","completed":true,"status":"x"})")), ElementsAre("status"));
}

// ---- recurrence ------------------------------------------------------------------------------------------------

TEST(TaskFieldsTest, RecurrenceRules) {
    EXPECT_EQ(errors_of(R"({"title":"t","is_recurring":true})"),
              (FieldErrors{{"is_recurring", "is true but neither recurrence_schedule nor rrule is set"}}));
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","is_recurring":false,"recurrence_schedule":"daily"})")),
                ElementsAre("is_recurring"));
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","recurrence_schedule":"daily","rrule":"FREQ=DAILY"})")),
                ElementsAre("rrule"));
    EXPECT_TRUE(ok(R"({"title":"t","is_recurring":true,"recurrence_schedule":"daily"})").is_recurring);
    EXPECT_FALSE(ok(R"({"title":"t","is_recurring":false})").is_recurring);
    const TaskFields f = ok(R"({"title":"t","rrule":"RRULE:FREQ=WEEKLY;BYDAY=MO,WE"})");
    EXPECT_TRUE(f.is_recurring);
    EXPECT_EQ(f.rrule, "FREQ=WEEKLY;BYDAY=MO,WE");
}

TEST(TaskFieldsTest, RruleChecks) {
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","rrule":"BYDAY=MO"})")), ElementsAre("rrule"));
    EXPECT_THAT(fields_of(errors_of(R"({"title":"t","rrule":"FREQ=DAILY;COUNT=2;UNTIL=20300101T000000Z"})")),
                ElementsAre("rrule"));
    json::object o = with_title("t");
    std::string rule = "FREQ=DAILY;BYMONTHDAY=1";
    while (rule.size() < 500) rule += ",1";
    rule.resize(500);
    if (rule.back() == ',') rule.back() = '2';
    o["rrule"] = rule;
    EXPECT_EQ(ok(json::serialize(o)).rrule->size(), 500u);
    o["rrule"] = rule + "1";
    EXPECT_THAT(fields_of(errors_of(o)), ElementsAre("rrule"));
}

// ---- output and round trips ------------------------------------------------------------------------------------

TEST(TaskJsonTest, ToJsonHasEveryFieldInApiForm) {
    const json::object o = to_json(sample_task());
    EXPECT_EQ(o.size(), 20u);
    EXPECT_TRUE(o.at("category").is_null());
    EXPECT_EQ(o.at("id"), "0190a5c6-1111-7abc-8def-0123456789ab");
    EXPECT_EQ(o.at("status"), "in_progress");
    EXPECT_EQ(o.at("completed"), false);
    EXPECT_EQ(o.at("priority"), "high");
    EXPECT_EQ(o.at("due_date"), "2026-03-05T09:00:00.250Z");
    EXPECT_EQ(o.at("reminders"), json::parse(R"([{"at":"2026-03-04T09:00:00.000Z"},{"before_due":"PT1H30M"}])"));
    EXPECT_EQ(o.at("recurrence_schedule"), "monthly");
    EXPECT_EQ(o.at("rrule"), nullptr);
    EXPECT_EQ(o.at("recurrence_from"), "completion");
    EXPECT_EQ(o.at("series_id"), "series-9");
    EXPECT_EQ(o.at("completed_at"), nullptr);
    EXPECT_EQ(o.at("version"), 7);
}

TEST(TaskJsonTest, ToJsonAllocatesFromTheGivenStorage) {
    json::monotonic_resource mr;
    const json::storage_ptr sp(&mr);
    const json::object o = to_json(sample_task(), sp);
    EXPECT_EQ(o, to_json(sample_task()));
    EXPECT_EQ(o.storage().get(), &mr);
    EXPECT_EQ(o.at("tags").storage().get(), &mr);
    EXPECT_EQ(o.at("reminders").as_array()[0].storage().get(), &mr);
}

TEST(TaskJsonTest, AppendJsonMatchesSerializeOfToJson) {
    std::vector<Task> tasks{sample_task(), Task{}};
    Task odd = sample_task();
    std::string all_controls;
    for (char c = 1; c < 0x20; ++c) all_controls += c;
    odd.fields.title = "q\"b\\s/\x7f\xc3\xa9" + all_controls + std::string(1, '\0') + "end";
    odd.fields.tags = {"\"", "\\", "\n"};
    odd.fields.rrule = "FREQ=DAILY";
    odd.fields.recurrence_schedule.reset();
    odd.fields.status = TaskStatus::complete;
    odd.fields.reminders.push_back(Reminder{.before_due = seconds{61}});
    odd.completed_at = at("2026-02-09T00:00:00Z");
    odd.version = -3;
    tasks.push_back(odd);
    odd.version = INT64_MAX;
    odd.series_id.reset();
    tasks.push_back(odd);
    for (const Task& t : tasks) {
        std::string out = "prefix";
        append_json(out, t);
        EXPECT_EQ(out, "prefix" + json::serialize(to_json(t)));
    }
}

TEST(TaskJsonTest, CompletedIsDerived) {
    Task t = sample_task();
    t.fields.status = TaskStatus::complete;
    t.completed_at = at("2026-02-09T00:00:00Z");
    const json::object o = to_json(t);
    EXPECT_EQ(o.at("completed"), true);
    EXPECT_EQ(o.at("completed_at"), "2026-02-09T00:00:00.000Z");
}

TEST(TaskJsonTest, RoundTripsThroughTaskFromJson) {
    Task t = sample_task();
    EXPECT_EQ(task_from_json(to_json(t)), t);
    t.fields.rrule = "FREQ=DAILY";
    t.fields.recurrence_schedule.reset();
    t.fields.due_date.reset();
    t.fields.reminders = {Reminder{.at = at("2026-03-04T09:00:00Z")}};
    t.completed_at = at("2026-03-01T00:00:00Z");
    t.series_id.reset();
    EXPECT_EQ(task_from_json(json::parse(json::serialize(to_json(t))).as_object()), t);
}

TEST(TaskJsonTest, TaskFromJsonNamesTheBadField) {
    const auto message_for = [](const char* key, json::value bad) -> std::string {
        json::object o = to_json(sample_task());
        if (bad.is_null() && std::string_view(key) != "due_date")
            o.erase(key);
        else
            o[key] = bad;
        try {
            task_from_json(o);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "no exception";
    };
    EXPECT_THAT(message_for("id", nullptr), ::testing::HasSubstr("'id'"));
    EXPECT_THAT(message_for("title", 5), ::testing::HasSubstr("'title'"));
    EXPECT_THAT(message_for("status", "done"), ::testing::HasSubstr("'status'"));
    EXPECT_THAT(message_for("created_at", "yesterday"), ::testing::HasSubstr("'created_at'"));
    EXPECT_THAT(message_for("version", "7"), ::testing::HasSubstr("'version'"));
    EXPECT_THAT(message_for("tags", json::array{1}), ::testing::HasSubstr("'tags'"));
    EXPECT_THAT(message_for("reminders", json::array{json::object{}}), ::testing::HasSubstr("'reminders'"));
}

TEST(TaskJsonTest, WritableJsonParsesBackToTheSameFields) {
    const TaskFields f = sample_task().fields;
    const json::object w = writable_json(f);
    EXPECT_FALSE(w.contains("completed"));
    EXPECT_FALSE(w.contains("id"));
    EXPECT_FALSE(w.contains("version"));
    auto r = parse_task_fields(w);
    ASSERT_TRUE(std::holds_alternative<TaskFields>(r));
    EXPECT_EQ(std::get<TaskFields>(r), f);
}

TEST(TaskJsonTest, ClientMayPutBackWhatItGot) {
    const Task t = sample_task();
    auto r = parse_task_fields(to_json(t));
    ASSERT_TRUE(std::holds_alternative<TaskFields>(r));
    EXPECT_EQ(std::get<TaskFields>(r), t.fields);
}

// ---- PATCH -----------------------------------------------------------------------------------------------------

TaskFields patched(const TaskFields& current, std::string_view patch) {
    auto r = apply_task_patch(current, json::parse(patch));
    if (auto* e = std::get_if<FieldErrors>(&r)) {
        ADD_FAILURE() << patch << " -> " << (e->empty() ? "" : e->front().field + ": " + e->front().message);
        return {};
    }
    return std::get<TaskFields>(r);
}

TEST(TaskPatchTest, ChangesOnlyWhatThePatchNames) {
    const TaskFields f = sample_task().fields;
    TaskFields expected = f;
    expected.priority = Priority::low;
    expected.description = "";
    EXPECT_EQ(patched(f, R"({"priority":"low","description":null})"), expected);
}

TEST(TaskPatchTest, CompletedAloneOverridesStoredStatus) {
    const TaskFields f = sample_task().fields;  // in_progress
    EXPECT_EQ(patched(f, R"({"completed":true})").status, TaskStatus::complete);
    TaskFields done = f;
    done.status = TaskStatus::complete;
    EXPECT_EQ(patched(done, R"({"completed":false})").status, TaskStatus::pending);
}

TEST(TaskPatchTest, SwitchingOrRemovingTheRule) {
    const TaskFields f = sample_task().fields;  // monthly schedule
    const TaskFields to_rrule = patched(f, R"({"rrule":"FREQ=WEEKLY"})");
    EXPECT_EQ(to_rrule.rrule, "FREQ=WEEKLY");
    EXPECT_EQ(to_rrule.recurrence_schedule, std::nullopt);
    EXPECT_EQ(patched(to_rrule, R"({"recurrence_schedule":"daily"})").rrule, std::nullopt);
    EXPECT_FALSE(patched(f, R"({"is_recurring":false})").is_recurring);
    const TaskFields removed = patched(f, R"({"recurrence_schedule":null})");
    EXPECT_FALSE(removed.is_recurring);
    EXPECT_EQ(removed.recurrence_schedule, std::nullopt);
}

TEST(TaskPatchTest, InvalidResultsAreReported) {
    const TaskFields f = sample_task().fields;
    auto r = apply_task_patch(f, json::parse(R"({"due_date":null,"title":""})"));
    ASSERT_TRUE(std::holds_alternative<FieldErrors>(r));
    EXPECT_THAT(fields_of(std::get<FieldErrors>(r)), UnorderedElementsAre("title", "reminders[1].before_due"));
    r = apply_task_patch(f, json::parse(R"([1])"));
    ASSERT_TRUE(std::holds_alternative<FieldErrors>(r));
    EXPECT_EQ(std::get<FieldErrors>(r)[0].field, "");
}

}  // namespace
}  // namespace todoai
