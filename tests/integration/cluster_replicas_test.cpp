// Several replicas of one service on the cluster (cluster_fixture.hpp): websocket replicas each push every event to
// their own clients (a consumer group per replica); notification and recurring replicas share their service's group
// (Kafka splits the partitions between them) and still act once per reminder and once per completion.
#include <map>
#include <set>

#include "core/cloud_event.hpp"
#include "core/time.hpp"
#include "integration/cluster_feed.hpp"
#include "integration/cluster_fixture.hpp"
#include "integration/event_support.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;  // generous: a replica's first group join and the rebalance it causes take seconds
// After everything awaited has arrived, how long a duplicate gets to show up. Absence can only be watched for a
// while; a duplicate from a second replica would come within milliseconds of the first copy.
constexpr auto kQuiet = 500ms;

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

struct User {
    std::string id;
    std::string token;
};

std::string create_task(HttpClient& todo, const User& user, object body) {
    auto created = todo.authed("POST", "/api/" + user.id + "/tasks", user.token, boost::json::serialize(body));
    EXPECT_EQ(created.status, 201) << created.body;
    return created.status == 201 ? str(created.json().at("id")) : std::string();
}

/// The audit trail's entries for `task_id`, counted by event type.
std::map<std::string, int> audit_types(HttpClient& audit, const User& user, const std::string& task_id) {
    std::map<std::string, int> types;
    for (const auto& item : fetch_all(audit, user.token, "/api/" + user.id + "/audit?task_id=" + task_id))
        ++types[str(item.at("event_type"))];
    return types;
}

std::string type(std::string_view t) { return std::string(t); }

TEST_F(ClusterTest, ATaskReachesClientsOfBothWebsocketReplicasAndAuditAndNotificationOnce) {
    start("websocket", todo_url(), "websocket-2");
    auto [user_id, token] = sign_up(*todo_, "replicas@example.com");
    const User user{user_id, token};
    FeedTally first(port("websocket"), token);
    FeedTally second(port("websocket-2"), token);

    // A reminder far ahead: notification schedules it (and says so on `reminders`) without firing it in the test.
    const auto id = create_task(*todo_, user,
                                object{{"title", "seen by both replicas"},
                                       {"due_date", format_rfc3339(now_ms() + 2h)},
                                       {"reminders", array{object{{"at", format_rfc3339(now_ms() + 1h)}}}}});
    // Same user, same partition, behind the first task: once a client has it, a redelivered first task would have
    // come before it.
    const auto barrier = create_task(*todo_, user, object{{"title", "barrier"}});
    ASSERT_FALSE(id.empty());
    ASSERT_FALSE(barrier.empty());

    for (auto* feed : {&first, &second}) {
        const auto name = feed == &first ? "websocket" : "websocket-2";
        ASSERT_TRUE(feed->read_until(kDeadline,
                                     [&] {
                                         return feed->count(event_type::kTaskCreated, barrier) > 0 &&
                                                feed->count(event_type::kReminderScheduled, id) > 0;
                                     }))
            << "the client of " << name
            << " did not get the task and its scheduled reminder; log: " << process(name).log_file();
    }

    HttpClient audit(port("audit"));
    std::map<std::string, int> trail;
    ASSERT_TRUE(poll_until(kDeadline, [&] {
        trail = audit_types(audit, user, id);
        return trail[type(event_type::kReminderScheduled)] > 0 &&
               audit_types(audit, user, barrier)[type(event_type::kTaskCreated)] > 0;
    })) << "audit did not record the task and notification's reminder.scheduled";

    first.drain(kQuiet);
    second.drain(kQuiet);
    for (auto* feed : {&first, &second}) {
        EXPECT_EQ(feed->count(event_type::kTaskCreated, id), 1);
        EXPECT_EQ(feed->count(event_type::kReminderScheduled, id), 1);  // notification consumed the task once
        EXPECT_EQ(feed->count(event_type::kTaskCreated, barrier), 1);
    }
    trail = audit_types(audit, user, id);
    EXPECT_EQ(trail[type(event_type::kTaskCreated)], 1);
    EXPECT_EQ(trail[type(event_type::kReminderScheduled)], 1);
    EXPECT_EQ(trail.size(), 2u);
}

TEST_F(ClusterTest, EachReminderFiresExactlyOnceWithTwoNotificationReplicas) {
    start("notification", todo_url(), "notification-2");
    // Several users: keys spread over the partitions, so both replicas consume task events and schedule reminders;
    // both sweeps also arm timers for every reminder in the shared store, so both race for each one.
    constexpr int kUsers = 6;
    constexpr int kTasksPerUser = 2;
    std::vector<User> users;
    std::vector<std::unique_ptr<FeedTally>> feeds;
    for (int u = 0; u < kUsers; ++u) {
        auto [id, token] = sign_up(*todo_, "reminders" + std::to_string(u) + "@example.com");
        users.push_back({id, token});
        feeds.push_back(std::make_unique<FeedTally>(port("websocket"), token));
    }
    std::map<std::string, std::vector<std::string>> tasks;  // user id -> task ids
    const auto first_reminder = now_ms() + 1500ms;
    for (int u = 0; u < kUsers; ++u) {
        for (int t = 0; t < kTasksPerUser; ++t) {
            const auto at = first_reminder + std::chrono::milliseconds(100 * (u * kTasksPerUser + t));
            tasks[users[u].id].push_back(create_task(*todo_, users[u],
                                                     object{{"title", "remind me " + std::to_string(t)},
                                                            {"due_date", format_rfc3339(now_ms() + 1h)},
                                                            {"reminders", array{object{{"at", format_rfc3339(at)}}}}}));
        }
    }

    HttpClient notification(port("notification"));
    for (const auto& user : users) {
        ASSERT_TRUE(
            poll_until(kDeadline,
                       [&] {
                           return fetch_all(notification, user.token, "/api/" + user.id + "/notifications").size() >=
                                  static_cast<std::size_t>(kTasksPerUser);
                       }))
            << "reminders of " << user.id << " did not fire; logs: " << process("notification").log_file() << ", "
            << process("notification-2").log_file();
    }
    HttpClient audit(port("audit"));
    for (const auto& user : users) {
        for (const auto& id : tasks[user.id]) {
            ASSERT_TRUE(poll_until(kDeadline,
                                   [&] { return audit_types(audit, user, id)[type(event_type::kReminderFired)] > 0; }))
                << "audit never recorded the fired reminder of task " << id;
        }
    }
    for (int u = 0; u < kUsers; ++u) {
        auto& feed = *feeds[u];
        const auto& ids = tasks[users[u].id];
        ASSERT_TRUE(feed.read_until(kDeadline,
                                    [&] {
                                        return std::all_of(ids.begin(), ids.end(), [&](const auto& id) {
                                            return feed.count(event_type::kReminderFired, id) > 0;
                                        });
                                    }))
            << "the live feed of " << users[u].id << " missed a fired reminder";
    }

    for (auto& feed : feeds) feed->drain(kQuiet);
    for (int u = 0; u < kUsers; ++u) {
        const auto& user = users[u];
        auto fired = fetch_all(notification, user.token, "/api/" + user.id + "/notifications");
        std::map<std::string, int> per_task;
        for (const auto& n : fired) ++per_task[str(n.at("task_id"))];
        for (const auto& id : tasks[user.id]) {
            EXPECT_EQ(per_task[id], 1) << "notifications for task " << id;
            EXPECT_EQ(audit_types(audit, user, id)[type(event_type::kReminderFired)], 1) << "audit, task " << id;
            EXPECT_EQ(feeds[u]->count(event_type::kReminderFired, id), 1) << "live feed, task " << id;
        }
        EXPECT_EQ(fired.size(), static_cast<std::size_t>(kTasksPerUser));
    }
}

TEST_F(ClusterTest, CompletingRecurringTasksWithTwoRecurringReplicasCreatesOneNextInstanceEach) {
    start("recurring", todo_url(), "recurring-2");
    constexpr int kUsers = 4;
    constexpr int kSeriesPerUser = 2;
    std::vector<User> users;
    for (int u = 0; u < kUsers; ++u) {
        auto [id, token] = sign_up(*todo_, "series" + std::to_string(u) + "@example.com");
        users.push_back({id, token});
    }
    for (const auto& user : users) {
        for (int s = 0; s < kSeriesPerUser; ++s) {
            const auto id = create_task(*todo_, user,
                                        object{{"title", "series " + std::to_string(s)},
                                               {"due_date", format_rfc3339(now_ms() + 1h)},
                                               {"is_recurring", true},
                                               {"recurrence_schedule", s == 0 ? "daily" : "weekly"}});
            ASSERT_FALSE(id.empty());
            ASSERT_EQ(todo_->authed("PATCH", "/api/" + user.id + "/tasks/" + id + "/complete", user.token).status, 200);
        }
    }

    // Each series: the completed task and exactly one next instance.
    auto series_sizes = [&](const User& user) {
        std::map<std::string, int> sizes;
        for (const auto& task : fetch_all(*todo_, user.token, "/api/" + user.id + "/tasks")) {
            const auto& series = task.at("series_id");
            ++sizes[series.is_string() ? str(series) : str(task.at("id"))];
        }
        return sizes;
    };
    for (const auto& user : users) {
        ASSERT_TRUE(poll_until(kDeadline,
                               [&] {
                                   auto sizes = series_sizes(user);
                                   return sizes.size() == kSeriesPerUser &&
                                          std::all_of(sizes.begin(), sizes.end(),
                                                      [](const auto& s) { return s.second >= 2; });
                               }))
            << "no next instance for every series of " << user.id << "; logs: " << process("recurring").log_file()
            << ", " << process("recurring-2").log_file();
    }
    // A duplicate would come from the other replica's redelivery within milliseconds: watch for one a while.
    EXPECT_FALSE(poll_until(
        kQuiet,
        [&] {
            return std::any_of(users.begin(), users.end(), [&](const User& user) {
                auto sizes = series_sizes(user);
                return std::any_of(sizes.begin(), sizes.end(), [](const auto& s) { return s.second != 2; });
            });
        },
        100ms))
        << "a series got more than one next instance";
}

}  // namespace
}  // namespace todoai::testing
