// The five services as separate processes on PostgreSQL and Kafka (cluster_fixture.hpp): what a user does on todo
// reaches audit, the live feed and notification through Kafka; reminders and recurrence call back into todo over HTTP.
#include "core/cloud_event.hpp"
#include "core/time.hpp"
#include "integration/cluster_fixture.hpp"
#include "integration/event_support.hpp"
#include "runtime/http/websocket_test_client.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr auto kDeadline = 20s;  // generous: a warm cluster delivers in milliseconds

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

TEST_F(ClusterTest, ATaskCreatedOnTodoReachesAuditNotificationAndTheLiveFeed) {
    auto [user, token] = sign_up(*todo_, "cluster@example.com");
    WsClient feed(port("websocket"));
    ASSERT_FALSE(feed.handshake("/ws?token=" + token)) << "the websocket service refused the todo service's token";

    const auto remind_at = now_ms() + 1500ms;
    auto created =
        todo_->authed("POST", "/api/" + user + "/tasks", token,
                      boost::json::serialize(object{{"title", "across processes"},
                                                    {"due_date", format_rfc3339(now_ms() + 1h)},
                                                    {"reminders", array{object{{"at", format_rfc3339(remind_at)}}}}}));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = str(created.json().at("id"));

    // The live feed: the task.created CloudEvent, as todo published it.
    auto frame = feed.read(kDeadline);
    ASSERT_FALSE(frame.ec) << frame.ec.message();
    auto event = boost::json::parse(frame.text).as_object();
    EXPECT_EQ(str(event.at("type")), event_type::kTaskCreated);
    EXPECT_EQ(str(event.at("subject")), id);
    EXPECT_EQ(str(event.at("source")), "todo-service");

    // Audit: the same event, once.
    HttpClient audit(port("audit"));
    std::vector<object> trail;
    ASSERT_TRUE(poll_until(kDeadline, [&] {
        trail = fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id);
        return !trail.empty();
    })) << "audit never got the task";
    EXPECT_EQ(str(trail.back().at("event_type")), event_type::kTaskCreated);
    EXPECT_EQ(trail.back().at("event_id"), event.at("id"));

    // Notification: the reminder fires at its time (after asking todo, over HTTP, whether the task is open), and the
    // fired reminder comes back to the feed and the audit trail through Kafka.
    HttpClient notification(port("notification"));
    std::vector<object> fired;
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               fired = fetch_all(notification, token, "/api/" + user + "/notifications");
                               return !fired.empty();
                           }))
        << "the reminder never fired; notification log: " << process("notification").log_file();
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(str(fired[0].at("task_id")), id);
    EXPECT_GE(ts(fired[0].at("fired_at")), remind_at);

    std::set<std::string> feed_types{str(event.at("type"))};
    while (!feed_types.contains(std::string(event_type::kReminderFired))) {
        auto next = feed.read(kDeadline);
        ASSERT_FALSE(next.ec) << "feed: " << next.ec.message();
        feed_types.insert(str(boost::json::parse(next.text).at("type")));
    }
    EXPECT_TRUE(poll_until(kDeadline, [&] {
        return fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id).size() ==
               3;  // created, scheduled, fired
    }));
}

TEST_F(ClusterTest, CompletingARecurringTaskCreatesItsNextInstanceThroughRecurring) {
    auto [user, token] = sign_up(*todo_, "recurring@example.com");
    auto created = todo_->authed("POST", "/api/" + user + "/tasks", token,
                                 boost::json::serialize(object{{"title", "daily stand-up"},
                                                               {"due_date", format_rfc3339(now_ms() + 1h)},
                                                               {"is_recurring", true},
                                                               {"recurrence_schedule", "daily"}}));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = str(created.json().at("id"));
    ASSERT_EQ(todo_->authed("PATCH", "/api/" + user + "/tasks/" + id + "/complete", token).status, 200);

    std::vector<object> tasks;
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               tasks = fetch_all(*todo_, token, "/api/" + user + "/tasks");
                               return tasks.size() >= 2;
                           }))
        << "no next instance; recurring log: " << process("recurring").log_file();
    EXPECT_EQ(tasks.size(), 2u);
}

}  // namespace
}  // namespace todoai::testing
