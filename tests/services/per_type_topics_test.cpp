// The per-type topic layout through the real services: each producer appends an event to its type's topic, each
// consumer subscribes to the topics of its role (runtime/pubsub/topic_layout.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "runtime/store/sqlite_database.hpp"
#include "services/audit/audit_service.hpp"
#include "services/notification/notification_test_support.hpp"
#include "services/recurring/recurring_service.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_service.hpp"
#include "services/websocket/websocket_service.hpp"
#include "support/recording_bus.hpp"
#include "support/temp_dir.hpp"

namespace todoai {
namespace {

namespace json = boost::json;
using pubsub::TopicLayout;
using pubsub::Topics;
using TopicAndType = std::pair<std::string, std::string>;

const Topics kPerType(TopicLayout::per_type);

std::vector<TopicAndType> outbox_rows(store::Database& db) {
    auto tx = db.begin(store::Database::Access::read);
    std::vector<TopicAndType> out;
    for (const auto& row : tx->query("SELECT topic, event FROM outbox ORDER BY seq"))
        out.emplace_back(row.text(0), json::parse(row.text(1)).at("type").as_string());
    return out;
}

std::set<std::string> topics_of(const testing::RecordingBus& bus, std::string_view group) {
    std::set<std::string> out;
    for (const auto& s : bus.subscriptions) {
        EXPECT_EQ(s.group, group);
        out.insert(s.topic);
    }
    return out;
}

TEST(PerTypeTopics, TodoAppendsEachTaskEventToItsTypesTopic) {
    testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "todo.db"});
    db->migrate(todo::migrations());
    SystemClock clock;
    todo::TaskService tasks(*db, clock, {}, kPerType);
    const std::string body = R"({"title":"a"})";
    const auto id = tasks.create("user-1", json::parse(body), body, std::nullopt).id;
    tasks.write("user-1", id, json::parse(R"({"title":"b"})"), todo::TaskService::WriteMode::merge, std::nullopt);
    tasks.toggle_complete("user-1", id, std::nullopt);
    tasks.toggle_complete("user-1", id, std::nullopt);  // reopened: an update
    tasks.remove("user-1", id, std::nullopt);
    EXPECT_EQ(outbox_rows(*db), (std::vector<TopicAndType>{{"task-created", "com.todoai.task.created"},
                                                           {"task-updated", "com.todoai.task.updated"},
                                                           {"task-completed", "com.todoai.task.completed"},
                                                           {"task-updated", "com.todoai.task.updated"},
                                                           {"task-deleted", "com.todoai.task.deleted"}}));
}

TEST(PerTypeTopics, ConsumersSubscribeToTheTopicsOfTheirRole) {
    testing::TempDir dir;
    SystemClock clock;
    const std::set<std::string> every{"task-created", "task-updated",       "task-completed",
                                      "task-deleted", "reminder-scheduled", "reminder-due"};

    auto audit_db = store::open_sqlite({.file = dir.path() / "audit.db"});
    audit_db->migrate(audit::AuditService::migrations());
    audit::AuditService audit(*audit_db, clock);
    testing::RecordingBus audit_bus;
    audit.subscribe(audit_bus, kPerType);
    EXPECT_EQ(topics_of(audit_bus, "audit-service"), every);

    auto ws_db = store::open_sqlite({.file = dir.path() / "websocket.db"});
    ws_db->migrate(websocket::WebSocketService::migrations());
    auth::JwtCodec jwt(std::string(notification::test::kSecret), clock);
    websocket::WebSocketService live(*ws_db, clock, jwt);
    testing::RecordingBus ws_bus;
    live.subscribe(ws_bus, kPerType);
    EXPECT_EQ(topics_of(ws_bus, "websocket-service"), every);

    // Recurring acts on completions only.
    auto rec_db = store::open_sqlite({.file = dir.path() / "recurring.db"});
    rec_db->migrate(recurring::RecurringService::migrations());
    notification::test::FakeTodo todo;
    recurring::RecurringService recurring(*rec_db, clock, todo, "token");
    testing::RecordingBus rec_bus;
    recurring.subscribe(rec_bus, kPerType);
    EXPECT_EQ(topics_of(rec_bus, "recurring-service"), (std::set<std::string>{"task-completed"}));
}

// Notification consumes the four task topics and publishes reminder.scheduled and reminder.fired apart, fired on
// seed 001's reminder-due.
TEST(PerTypeTopics, NotificationConsumesTaskTopicsAndPublishesReminderDue) {
    using namespace notification::test;
    testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "notification.db"});
    db->migrate(notification::NotificationService::migrations());
    FakeBus bus;
    FakeTodo todo;
    CommitSignal signal;
    scheduler::TimerQueue timers;
    notification::NotificationService service(*db, Replica::system_clock(), timers, 60s, signal.callback(), todo,
                                              std::string(kAppToken), kPerType);
    service.subscribe(bus);
    std::set<std::string> subscribed;
    for (const auto& s : bus.subscriptions) subscribed.insert(s.topic);
    EXPECT_EQ(subscribed, (std::set<std::string>{"task-created", "task-updated", "task-completed", "task-deleted"}));

    timers.start();
    service.start();
    const auto t0 = now();
    const Task task = make_task({at(t0 + 50ms)}, t0 + 1h);
    const auto m = message(event_type::kTaskCreated, task, t0);
    ASSERT_EQ(bus.subscriptions.at(0).handler(std::span(&m, 1)).at(0).outcome, pubsub::Outcome::success);
    ASSERT_TRUE(signal.wait([&] { return service.stats().fired >= 1; }));
    service.stop();
    timers.stop();
    EXPECT_EQ(outbox_rows(*db), (std::vector<TopicAndType>{{"reminder-scheduled", "com.todoai.reminder.scheduled"},
                                                           {"reminder-due", "com.todoai.reminder.fired"}}));
}

}  // namespace
}  // namespace todoai
