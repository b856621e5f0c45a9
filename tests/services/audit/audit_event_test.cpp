// parse_audit_event: well-formed events become audit items; anything else gives a reason (the DROP reason).
#include "services/audit/audit_event.hpp"

#include <gtest/gtest.h>

#include "core/cloud_event.hpp"
#include "services/audit/audit_test_support.hpp"

namespace todoai::audit {
namespace {

using testing::at;
using testing::event_object;
using testing::event_text;
using testing::EventSpec;
namespace json = boost::json;

AuditRecord parse_ok(std::string_view text) {
    auto parsed = parse_audit_event(text);
    if (auto* why = std::get_if<std::string>(&parsed)) ADD_FAILURE() << "rejected: " << *why;
    return std::get_if<AuditRecord>(&parsed) ? std::get<AuditRecord>(parsed) : AuditRecord{};
}

TEST(AuditEvent, ItemCarriesTheEightFieldsWithTheFullType) {
    EventSpec spec{.type = "com.todoai.task.completed",
                   .id = "ev-1",
                   .user_id = "u-1",
                   .task_id = "t-1",
                   .time = at("2026-03-01T08:30:00.250+01:00"),
                   .correlation_id = "corr-9"};
    auto r = parse_ok(event_text(spec));
    EXPECT_EQ(r.event_id, "ev-1");
    EXPECT_EQ(r.event_type, "com.todoai.task.completed");
    EXPECT_EQ(r.task_id, "t-1");
    EXPECT_EQ(r.user_id, "u-1");
    EXPECT_EQ(r.correlation_id, "corr-9");
    EXPECT_EQ(r.timestamp, "2026-03-01T07:30:00.250Z");
    EXPECT_EQ(r.source, "todo-service");

    auto item = json::parse(r.item).as_object();
    EXPECT_EQ(item.size(), 8u);
    EXPECT_EQ(item.at("event_id"), "ev-1");
    EXPECT_EQ(item.at("event_type"), "com.todoai.task.completed");
    EXPECT_EQ(item.at("task_id"), "t-1");
    EXPECT_EQ(item.at("user_id"), "u-1");
    EXPECT_EQ(item.at("correlation_id"), "corr-9");
    EXPECT_EQ(item.at("timestamp"), "2026-03-01T07:30:00.250Z");
    EXPECT_EQ(item.at("source"), "todo-service");
    EXPECT_EQ(item.at("payload"), spec.payload);
}

TEST(AuditEvent, CorrelationIdDefaultsToTheEventId) {
    auto o = event_object({.id = "ev-2"});
    o["data"].as_object().erase("correlation_id");
    EXPECT_EQ(parse_ok(json::serialize(o)).correlation_id, "ev-2");
}

TEST(AuditEvent, TimestampFallsBackToTheEnvelopeTime) {
    auto o = event_object({.id = "ev-3", .time = at("2026-05-05T05:05:05Z")});
    o["data"].as_object().erase("timestamp");
    EXPECT_EQ(parse_ok(json::serialize(o)).timestamp, "2026-05-05T05:05:05.000Z");
}

TEST(AuditEvent, MissingPayloadIsAnEmptyObject) {
    auto o = event_object({.id = "ev-4"});
    o["data"].as_object().erase("payload");
    auto item = json::parse(parse_ok(json::serialize(o)).item).as_object();
    EXPECT_EQ(item.at("payload"), json::object{});
}

TEST(AuditEvent, ReadsWhatTheTodoServicePublishes) {
    Task task;
    task.id = "0190f0e0-0000-7000-8000-000000000001";
    task.user_id = "user-z";
    task.fields.title = "Write report";
    task.created_at = task.updated_at = at("2026-02-08T09:00:00Z");
    auto event = make_task_event(event_type::kTaskUpdated, task, "ev-real", at("2026-02-08T09:30:00Z"));
    auto r = parse_ok(serialize(event));
    EXPECT_EQ(r.event_id, "ev-real");
    EXPECT_EQ(r.event_type, "com.todoai.task.updated");
    EXPECT_EQ(r.task_id, task.id);
    EXPECT_EQ(r.user_id, "user-z");
    EXPECT_EQ(r.correlation_id, "ev-real");
    EXPECT_EQ(r.timestamp, "2026-02-08T09:30:00.000Z");
    auto item = json::parse(r.item).as_object();
    EXPECT_EQ(item.at("payload").as_object().at("title"), "Write report");
}

TEST(AuditEvent, CanonicalTypeAcceptsFullAndShortForms) {
    EXPECT_EQ(canonical_event_type("com.todoai.task.created"), "com.todoai.task.created");
    EXPECT_EQ(canonical_event_type("task-created"), "com.todoai.task.created");
    EXPECT_EQ(canonical_event_type("task-deleted"), "com.todoai.task.deleted");
    EXPECT_EQ(canonical_event_type("reminder-fired"), "com.todoai.reminder.fired");
    EXPECT_EQ(canonical_event_type("com.todoai.reminder.scheduled"), "com.todoai.reminder.scheduled");
    EXPECT_FALSE(canonical_event_type("task.created"));
    EXPECT_FALSE(canonical_event_type("com.todoai.task"));
    EXPECT_FALSE(canonical_event_type("TASK-CREATED"));
    EXPECT_FALSE(canonical_event_type(""));
}

}  // namespace
}  // namespace todoai::audit
