#include "core/cloud_event.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/task_json.hpp"
#include "core/time.hpp"

namespace todoai {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

Timestamp at(std::string_view text) { return parse_rfc3339(text).value(); }

CloudEvent sample_event() {
    CloudEvent e;
    e.id = "evt-1";
    e.source = "todo-service";
    e.type = std::string(event_type::kTaskUpdated);
    e.subject = "task-1";
    e.time = at("2026-02-08T10:00:00.123Z");
    e.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    e.data = json::parse(R"({"k":[1,2,{"n":null}],"s":"\u00e9"})");
    return e;
}

std::string parse_error(std::string_view text) {
    auto r = parse_cloud_event(text);
    if (auto* why = std::get_if<std::string>(&r)) return *why;
    return "parsed";
}

TEST(CloudEventTest, ShortEventType) {
    EXPECT_EQ(short_event_type(event_type::kTaskCreated), "task-created");
    EXPECT_EQ(short_event_type(event_type::kTaskCompleted), "task-completed");
    EXPECT_EQ(short_event_type(event_type::kReminderFired), "reminder-fired");
    EXPECT_EQ(short_event_type(event_type::kReminderScheduled), "reminder-scheduled");
    EXPECT_EQ(short_event_type("other"), "other");
}

TEST(CloudEventTest, ToJsonHasTheEnvelope) {
    const json::object o = to_json(sample_event());
    EXPECT_EQ(o.at("specversion"), "1.0");
    EXPECT_EQ(o.at("id"), "evt-1");
    EXPECT_EQ(o.at("type"), "com.todoai.task.updated");
    EXPECT_EQ(o.at("subject"), "task-1");
    EXPECT_EQ(o.at("time"), "2026-02-08T10:00:00.123Z");
    EXPECT_EQ(o.at("datacontenttype"), "application/json");
    EXPECT_TRUE(o.contains("traceparent"));
    EXPECT_EQ(o.at("data").at("s"), "\xc3\xa9");
}

TEST(CloudEventTest, TraceparentOmittedWhenAbsent) {
    CloudEvent e = sample_event();
    e.traceparent.reset();
    EXPECT_FALSE(to_json(e).contains("traceparent"));
    EXPECT_EQ(serialize(e).find("traceparent"), std::string::npos);
}

TEST(CloudEventTest, SerializeParseRoundTrip) {
    CloudEvent e = sample_event();
    auto r = parse_cloud_event(serialize(e));
    ASSERT_TRUE(std::holds_alternative<CloudEvent>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<CloudEvent>(r), e);

    e.traceparent.reset();
    e.data = nullptr;
    r = parse_cloud_event(serialize(e));
    ASSERT_TRUE(std::holds_alternative<CloudEvent>(r));
    EXPECT_EQ(std::get<CloudEvent>(r), e);
}

TEST(CloudEventTest, MinimalEnvelopeParses) {
    auto r = parse_cloud_event(R"({"specversion":"1.0","id":"1","source":"s","type":"t"})");
    ASSERT_TRUE(std::holds_alternative<CloudEvent>(r));
    const CloudEvent& e = std::get<CloudEvent>(r);
    EXPECT_EQ(e.subject, "");
    EXPECT_EQ(e.traceparent, std::nullopt);
    EXPECT_TRUE(e.data.is_null());
}

TEST(CloudEventTest, RejectionsSayWhy) {
    EXPECT_THAT(parse_error("{"), HasSubstr("not valid JSON"));
    EXPECT_THAT(parse_error("[]"), HasSubstr("not a JSON object"));
    EXPECT_EQ(parse_error(R"({"id":"1","source":"s","type":"t"})"), "missing attribute 'specversion'");
    EXPECT_THAT(parse_error(R"({"specversion":"0.3","id":"1","source":"s","type":"t"})"), HasSubstr("0.3"));
    EXPECT_EQ(parse_error(R"({"specversion":"1.0","id":"1","source":"s"})"), "missing attribute 'type'");
    EXPECT_EQ(parse_error(R"({"specversion":"1.0","source":"s","type":"t"})"), "missing attribute 'id'");
    EXPECT_EQ(parse_error(R"({"specversion":"1.0","id":"1","type":"t"})"), "missing attribute 'source'");
    EXPECT_THAT(parse_error(R"({"specversion":"1.0","id":"","source":"s","type":"t"})"), HasSubstr("'id'"));
    EXPECT_THAT(parse_error(R"({"specversion":"1.0","id":1,"source":"s","type":"t"})"), HasSubstr("'id'"));
    EXPECT_THAT(parse_error(R"({"specversion":"1.0","id":"1","source":"s","type":"t","subject":5})"),
                HasSubstr("'subject'"));
    EXPECT_THAT(parse_error(R"({"specversion":"1.0","id":"1","source":"s","type":"t","time":"yesterday"})"),
                HasSubstr("'time'"));
    EXPECT_THAT(parse_error(R"({"specversion":"1.0","id":"1","source":"s","type":"t","datacontenttype":[]})"),
                HasSubstr("'datacontenttype'"));
    EXPECT_THAT(parse_error(R"({"specversion":"1.0","id":"1","source":"s","type":"t","traceparent":1})"),
                HasSubstr("'traceparent'"));
}

TEST(CloudEventTest, MakeTaskEvent) {
    Task t;
    t.id = "task-7";
    t.user_id = "user-3";
    t.fields.title = "x";
    const Timestamp now = at("2026-02-08T10:00:00Z");
    const CloudEvent e = make_task_event(event_type::kTaskCreated, t, "evt-9", now);
    EXPECT_EQ(e.id, "evt-9");
    EXPECT_EQ(e.source, "todo-service");
    EXPECT_EQ(e.type, "com.todoai.task.created");
    EXPECT_EQ(e.subject, "task-7");
    EXPECT_EQ(e.time, now);
    EXPECT_EQ(e.datacontenttype, "application/json");
    const json::object& d = e.data.as_object();
    EXPECT_EQ(d.at("event_id"), "evt-9");
    EXPECT_EQ(d.at("event_type"), "task-created");
    EXPECT_EQ(d.at("task_id"), "task-7");
    EXPECT_EQ(d.at("user_id"), "user-3");
    EXPECT_EQ(d.at("correlation_id"), "evt-9");
    EXPECT_EQ(d.at("timestamp"), "2026-02-08T10:00:00.000Z");
    EXPECT_EQ(d.at("schema_version"), "1.0");
    EXPECT_EQ(task_from_json(d.at("payload").as_object()), t);

    const CloudEvent c = make_task_event(event_type::kTaskDeleted, t, "evt-10", now, "corr-1");
    EXPECT_EQ(c.data.at("correlation_id"), "corr-1");
    EXPECT_EQ(c.data.at("event_type"), "task-deleted");
}

TEST(CloudEventTest, TaskEventSurvivesTheWire) {
    Task t;
    t.id = "task-7";
    t.user_id = "user-3";
    t.fields.title = "x";
    const CloudEvent e = make_task_event(event_type::kTaskUpdated, t, "evt-1", at("2026-02-08T10:00:00Z"));
    auto r = parse_cloud_event(serialize(e));
    ASSERT_TRUE(std::holds_alternative<CloudEvent>(r));
    EXPECT_EQ(std::get<CloudEvent>(r), e);
}

}  // namespace
}  // namespace todoai
