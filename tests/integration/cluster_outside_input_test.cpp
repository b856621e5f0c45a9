// Records on `task-events` that todo never wrote, produced by another Kafka client (Debian's kcat): every consumer
// dead-letters what it cannot read to `task-events-dlq` with a dlq_reason naming why, and keeps going.
//
// A well-formed task event for a task that does not exist is not something a consumer can tell from a real one:
// only todo knows its tasks, and asking todo for every event would tie every consumer to todo's availability. So:
//   - audit records it: the trail is of what crossed the bus, with its `source`; an operator hunting a forged or
//     stray event finds it there.
//   - websocket pushes it to data.user_id's clients, as any event of that user (the bus is inside the trust
//     boundary).
//   - notification applies it: it schedules the reminder the event carries, but before any reminder fires it asks
//     todo whether the task is open; todo has no such task, so the reminder is cancelled and nobody is notified.
//   - recurring consumes task.completed only and ignores the update, as it ignores every other type.
// None of them dead-letters it; the test proves that the phantom task reaches no user as a notification.
// Where a phantom would have an effect todo must answer for — a task.completed of a recurring task todo never had,
// which would make todo create a next instance — todo refuses (404: no such task of that user) and recurring
// dead-letters the event with that reason.
#include <map>
#include <set>

#include "core/cloud_event.hpp"
#include "core/task_json.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"
#include "integration/cluster_feed.hpp"
#include "integration/cluster_fixture.hpp"
#include "integration/event_support.hpp"
#include "integration/kcat_support.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;
constexpr const char* kTopic = "task-events";
constexpr const char* kDeadLetters = "task-events-dlq";
constexpr const char* kUnknownType = "com.example.invoice.paid";

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

/// Which consumer group wrote a dead letter: the service in its name (websocket's carries the replica id).
std::string service_of(const KafkaRecord& record) {
    const auto group = record.headers.count("dlq_group") ? record.headers.at("dlq_group") : std::string();
    for (const char* service : {"audit", "websocket", "notification", "recurring"})
        if (group.find(service) != std::string::npos) return service;
    return "unknown group '" + group + "'";
}

/// The dead letters of `payload`, by the service that wrote them.
std::map<std::string, KafkaRecord> dead_letters_of(const std::vector<KafkaRecord>& all, const std::string& payload) {
    std::map<std::string, KafkaRecord> out;
    for (const auto& record : all)
        if (record.payload == payload) out[service_of(record)] = record;
    return out;
}

std::string reason(const KafkaRecord& record) {
    auto it = record.headers.find("dlq_reason");
    return it == record.headers.end() ? std::string() : it->second;
}

/// A CloudEvent of a type no todoai service knows, as another team's service on the same cluster might send.
std::string foreign_event() {
    return boost::json::serialize(object{{"specversion", "1.0"},
                                         {"id", new_uuid_v7(now_ms())},
                                         {"source", "billing-service"},
                                         {"type", kUnknownType},
                                         {"subject", "invoice-17"},
                                         {"time", format_rfc3339(now_ms())},
                                         {"datacontenttype", "application/json"},
                                         {"data", object{{"invoice_id", "invoice-17"}, {"amount", 42}}}});
}

/// task.updated exactly as todo would publish it, for `phantom_id`, a task todo never had: the snapshot of a real
/// task of the user (`template_doc`) under another id, with a reminder at `remind_at`.
std::string phantom_update(boost::json::object template_doc, const std::string& phantom_id, Timestamp remind_at) {
    template_doc["id"] = phantom_id;
    template_doc["title"] = "a task todo never had";
    template_doc["version"] = 2;
    template_doc["reminders"] = array{object{{"at", format_rfc3339(remind_at)}}};
    const Task task = task_from_json(template_doc);
    const auto now = now_ms();
    return serialize(make_task_event(event_type::kTaskUpdated, task, new_uuid_v7(now), now));
}

/// task.completed as todo would publish it, of a daily recurring task `phantom_id` that todo never had.
std::string phantom_completion(boost::json::object template_doc, const std::string& phantom_id) {
    const auto now = now_ms();
    template_doc["id"] = phantom_id;
    template_doc["title"] = "a recurring task todo never had";
    template_doc["version"] = 2;
    template_doc["status"] = "complete";
    template_doc["completed"] = true;
    template_doc["completed_at"] = format_rfc3339(now);
    template_doc["is_recurring"] = true;
    template_doc["recurrence_schedule"] = "daily";
    template_doc["due_date"] = format_rfc3339(now + 1h);
    const Task task = task_from_json(template_doc);
    return serialize(make_task_event(event_type::kTaskCompleted, task, new_uuid_v7(now), now));
}

TEST_F(ClusterTest, AForgedCompletionOfARecurringTaskTodoNeverHadIsDeadLetteredByRecurring) {
    auto [user, token] = sign_up(*todo_, "forger@example.com");
    auto template_task =
        todo_->authed("POST", "/api/" + user + "/tasks", token, boost::json::serialize(object{{"title", "template"}}));
    ASSERT_EQ(template_task.status, 201) << template_task.body;
    const std::string phantom_id = new_uuid_v7(now_ms());
    const auto forged = phantom_completion(template_task.json().as_object(), phantom_id);
    kcat_produce(kafka_bootstrap(), kafka_topic(kTopic), user, forged, dir_.path());

    std::map<std::string, KafkaRecord> letters;
    ASSERT_TRUE(poll_until(
        kDeadline,
        [&] {
            letters = dead_letters_of(kcat_read_all(kafka_bootstrap(), kafka_topic(kDeadLetters)), forged);
            return letters.contains("recurring");
        },
        200ms))
        << "recurring did not dead-letter the forged completion; log: " << process("recurring").log_file();
    EXPECT_NE(reason(letters.at("recurring")).find("does not exist"), std::string::npos)
        << reason(letters.at("recurring"));
    for (const auto& t : fetch_all(*todo_, token, "/api/" + user + "/tasks"))
        EXPECT_FALSE(t.at("series_id").is_string() && str(t.at("series_id")) == phantom_id)
            << "todo created an instance of a series it never had";
}

TEST_F(ClusterTest, RecordsFromAnotherClientAreDeadLetteredWithTheirReasonAndEveryConsumerKeepsGoing) {
    auto [user, token] = sign_up(*todo_, "outside@example.com");
    FeedTally feed(port("websocket"), token);
    auto template_task =
        todo_->authed("POST", "/api/" + user + "/tasks", token, boost::json::serialize(object{{"title", "template"}}));
    ASSERT_EQ(template_task.status, 201) << template_task.body;

    // (a) bytes that are not JSON (nor UTF-8), (b) a CloudEvent of a foreign type, (c) a task event for no task.
    constexpr char kGarbage[] = "\x00\x01\xfe\xff{{ not a CloudEvent\n\x7f";
    const std::string garbage(kGarbage, sizeof kGarbage - 1);  // the NUL bytes included
    const std::string foreign = foreign_event();
    const std::string phantom_id = new_uuid_v7(now_ms());
    const auto phantom_remind_at = now_ms() + 1s;
    const std::string phantom = phantom_update(template_task.json().as_object(), phantom_id, phantom_remind_at);
    const auto bootstrap = kafka_bootstrap();
    kcat_produce(bootstrap, kafka_topic(kTopic), "outside-client", garbage, dir_.path());
    kcat_produce(bootstrap, kafka_topic(kTopic), user, foreign, dir_.path());
    kcat_produce(bootstrap, kafka_topic(kTopic), user, phantom, dir_.path());

    // Every consumer of task-events dead-letters the garbage; all but recurring (which reads task.completed only
    // and passes over every other type unread) dead-letter the foreign type.
    const std::set<std::string> all_consumers{"audit", "websocket", "notification", "recurring"};
    const std::set<std::string> typed_consumers{"audit", "websocket", "notification"};
    std::vector<KafkaRecord> dlq;
    auto services = [](const std::map<std::string, KafkaRecord>& letters) {
        std::set<std::string> out;
        for (const auto& [service, record] : letters) out.insert(service);
        return out;
    };
    ASSERT_TRUE(poll_until(
        kDeadline,
        [&] {
            dlq = kcat_read_all(bootstrap, kafka_topic(kDeadLetters));
            return services(dead_letters_of(dlq, garbage)) == all_consumers &&
                   services(dead_letters_of(dlq, foreign)) == typed_consumers;
        },
        200ms))
        << "dead letters: garbage from " << dead_letters_of(dlq, garbage).size() << " group(s), foreign type from "
        << dead_letters_of(dlq, foreign).size();

    for (const auto& [service, record] : dead_letters_of(dlq, garbage)) {
        EXPECT_NE(reason(record).find("not valid JSON"), std::string::npos) << service << ": " << reason(record);
        EXPECT_EQ(record.headers.at("dlq_original_topic"), kTopic);
        EXPECT_EQ(record.key, "outside-client");
    }
    for (const auto& [service, record] : dead_letters_of(dlq, foreign)) {
        EXPECT_NE(reason(record).find(kUnknownType), std::string::npos) << service << ": " << reason(record);
        EXPECT_EQ(record.headers.at("dlq_original_topic"), kTopic);
    }

    // (c), as the header comment explains: recorded by audit, pushed to the user's feed, and not dead-lettered.
    HttpClient audit(port("audit"));
    ASSERT_TRUE(poll_until(kDeadline, [&] {
        auto trail = fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + phantom_id);
        return std::any_of(trail.begin(), trail.end(),
                           [](const auto& item) { return str(item.at("event_type")) == event_type::kTaskUpdated; });
    })) << "audit did not record the update of the phantom task";
    ASSERT_TRUE(feed.read_until(kDeadline, [&] { return feed.count(event_type::kTaskUpdated, phantom_id) > 0; }));

    // A normal task afterwards reaches every consumer: the feed and audit get it, notification fires its reminder
    // (due after the phantom's, so the phantom's has been decided by then), recurring makes its next instance.
    // Waiting for the dead letters may have taken longer than the phantom's reminder was ahead.
    const auto remind_at = std::max(phantom_remind_at, now_ms()) + 1s;
    auto created =
        todo_->authed("POST", "/api/" + user + "/tasks", token,
                      boost::json::serialize(object{{"title", "after the bad input"},
                                                    {"due_date", format_rfc3339(now_ms() + 1h)},
                                                    {"is_recurring", true},
                                                    {"recurrence_schedule", "daily"},
                                                    {"reminders", array{object{{"at", format_rfc3339(remind_at)}}}}}));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = str(created.json().at("id"));
    ASSERT_TRUE(feed.read_until(kDeadline, [&] { return feed.count(event_type::kReminderFired, id) > 0; }))
        << "the normal task's reminder did not reach the feed; notification log: "
        << process("notification").log_file();
    HttpClient notification(port("notification"));
    const auto notifications = fetch_all(notification, token, "/api/" + user + "/notifications");
    ASSERT_EQ(notifications.size(), 1u) << "only the normal task notifies (todo has no phantom task to be open)";
    EXPECT_EQ(str(notifications[0].at("task_id")), id);
    ASSERT_TRUE(poll_until(kDeadline, [&] {
        return !fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id).empty();
    })) << "audit did not get the normal task";

    ASSERT_EQ(todo_->authed("PATCH", "/api/" + user + "/tasks/" + id + "/complete", token).status, 200);
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               auto tasks = fetch_all(*todo_, token, "/api/" + user + "/tasks");
                               return std::any_of(tasks.begin(), tasks.end(), [&](const auto& t) {
                                   return t.at("series_id").is_string() && str(t.at("series_id")) == id;
                               });
                           }))
        << "recurring did not create the next instance; log: " << process("recurring").log_file();

    // Nothing about the phantom was dead-lettered, and every service is still up (TearDown checks clean exits).
    for (const auto& record : kcat_read_all(bootstrap, kafka_topic(kDeadLetters)))
        EXPECT_EQ(record.payload.find(phantom_id), std::string::npos)
            << service_of(record) << " dead-lettered the phantom update: " << reason(record);
    for (const char* service : {"todo", "audit", "websocket", "notification", "recurring"})
        EXPECT_EQ(HttpClient(port(service)).request("GET", "/health/ready").status, 200) << service;
}

}  // namespace
}  // namespace todoai::testing
