// AuditService on a real SQLite store, fed through the handlers it subscribed on a recording bus.
#include "services/audit/audit_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "runtime/http/problem.hpp"
#include "services/audit/audit_test_support.hpp"

namespace todoai::audit {
namespace {

using testing::at;
using testing::AuditFixture;
using testing::event_object;
using testing::event_text;
using testing::EventSpec;
namespace json = boost::json;

constexpr std::string_view kAllTypes[] = {
    "com.todoai.task.created", "com.todoai.task.updated",       "com.todoai.task.completed",
    "com.todoai.task.deleted", "com.todoai.reminder.scheduled", "com.todoai.reminder.fired",
};

std::string text(const json::object& item, std::string_view key) { return std::string(item.at(key).as_string()); }

std::string ev(int i) { return testing::numbered("ev-", 1000 + i); }

class AuditServiceTest : public AuditFixture {};

TEST_F(AuditServiceTest, SubscribesToTaskEventsAndRemindersAsAuditService) {
    ASSERT_EQ(bus_.subscriptions.size(), 2u);
    std::set<std::string> topics;
    for (const auto& s : bus_.subscriptions) {
        topics.insert(s.topic);
        EXPECT_EQ(s.group, "audit-service");
    }
    EXPECT_EQ(topics, (std::set<std::string>{"task-events", "reminders"}));
}

TEST_F(AuditServiceTest, StoresEveryEventTypeWithItsFields) {
    int n = 0;
    for (auto type : kAllTypes) {
        EventSpec spec{
            .type = std::string(type),
            .id = ev(n),
            .task_id = testing::numbered("task-", n),
            .source = type.find("reminder") != std::string_view::npos ? "notification-service" : "todo-service",
            .time = at("2026-02-08T10:00:00Z") + std::chrono::minutes(n),
            .correlation_id = testing::numbered("corr-", n),
            .payload = {{"n", n}, {"nested", json::object{{"k", "v"}}}}};
        deliver_ok(spec);
        ++n;
    }
    EXPECT_EQ(stored_items(), 6);
    EXPECT_EQ(stored_markers(), 6);

    auto page = list("user-a");
    const auto& items = page.at("items").as_array();
    ASSERT_EQ(items.size(), 6u);
    EXPECT_TRUE(page.at("next_cursor").is_null());
    for (int i = 0; i < 6; ++i) {
        // newest first: the last delivered comes first
        const auto& item = items[static_cast<std::size_t>(5 - i)].as_object();
        const auto type = kAllTypes[i];
        EXPECT_EQ(text(item, "event_id"), ev(i));
        EXPECT_EQ(text(item, "event_type"), type);
        EXPECT_EQ(text(item, "task_id"), testing::numbered("task-", i));
        EXPECT_EQ(text(item, "user_id"), "user-a");
        EXPECT_EQ(text(item, "correlation_id"), testing::numbered("corr-", i));
        EXPECT_EQ(text(item, "timestamp"), format_rfc3339(at("2026-02-08T10:00:00Z") + std::chrono::minutes(i)));
        EXPECT_EQ(text(item, "source"),
                  type.find("reminder") != std::string_view::npos ? "notification-service" : "todo-service");
        EXPECT_EQ(item.at("payload"), (json::object{{"n", i}, {"nested", json::object{{"k", "v"}}}}));
    }
}

TEST_F(AuditServiceTest, RecordsTheProcessedMarkerInTheSpecifiedForm) {
    deliver_ok({.id = "ev-marker"});
    auto tx = db_->begin(store::Database::Access::read);
    auto rows = tx->query("SELECT key FROM processed_events");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].text(0), "processed-ev-marker-audit-service");
}

TEST_F(AuditServiceTest, RedeliveryChangesNothing) {
    deliver_ok({.id = "ev-a", .payload = {{"v", 1}}});
    deliver_ok({.id = "ev-b"});
    const auto before = service_.list_page("user-a", {});
    for (int attempt = 2; attempt <= 4; ++attempt) {
        // The same event again, even with a different body: the first one stays.
        EventSpec again{.id = "ev-a", .payload = {{"v", attempt}}};
        auto result = bus_.deliver("task-events", event_text(again), attempt);
        EXPECT_EQ(result.outcome, pubsub::Outcome::success) << result.reason;
    }
    EXPECT_EQ(stored_items(), 2);
    EXPECT_EQ(stored_markers(), 2);
    EXPECT_EQ(service_.list_page("user-a", {}), before);
}

TEST_F(AuditServiceTest, AnItemWithoutItsMarkerIsStillNotDoubled) {
    // A marker lost by hand (not by the service): the UNIQUE event_id still keeps one entry.
    deliver_ok({.id = "ev-x"});
    {
        auto tx = db_->begin(store::Database::Access::write);
        tx->execute("DELETE FROM processed_events");
        tx->commit();
    }
    deliver_ok({.id = "ev-x"});
    EXPECT_EQ(stored_items(), 1);
    EXPECT_EQ(stored_markers(), 1);
}

TEST_F(AuditServiceTest, NewestFirst) {
    for (int i = 0; i < 10; ++i) deliver_ok({.id = ev(i), .task_id = "t"});
    auto got = ids(list("user-a"));
    std::vector<std::string> expected;
    for (int i = 9; i >= 0; --i) expected.push_back(ev(i));
    EXPECT_EQ(got, expected);
}

TEST_F(AuditServiceTest, FiltersByTaskTypeAndTimeRange) {
    const auto t0 = at("2026-02-08T10:00:00Z");
    // i: task t(i%3), type cycles created/updated/completed, time t0 + i minutes
    for (int i = 0; i < 12; ++i)
        deliver_ok({.type = std::string(kAllTypes[i % 3]),
                    .id = ev(i),
                    .task_id = testing::numbered("t", i % 3),
                    .time = t0 + std::chrono::minutes(i)});
    deliver_ok({.type = "com.todoai.reminder.fired", .id = ev(99), .task_id = "t1", .time = t0});

    EXPECT_EQ(ids(list("user-a", {.task_id = "t1"})), (std::vector<std::string>{ev(99), ev(10), ev(7), ev(4), ev(1)}));
    EXPECT_EQ(ids(list("user-a", {.task_id = "nope"})), std::vector<std::string>{});
    EXPECT_EQ(ids(list("user-a", {.event_type = "com.todoai.task.completed"})),
              (std::vector<std::string>{ev(11), ev(8), ev(5), ev(2)}));
    EXPECT_EQ(ids(list("user-a", {.event_type = "com.todoai.reminder.fired"})), std::vector<std::string>{ev(99)});
    // from/to are inclusive bounds on the item's timestamp
    EXPECT_EQ(ids(list("user-a", {.from = format_rfc3339(t0 + std::chrono::minutes(9))})),
              (std::vector<std::string>{ev(11), ev(10), ev(9)}));
    EXPECT_EQ(ids(list("user-a", {.to = format_rfc3339(t0 + std::chrono::minutes(1))})),
              (std::vector<std::string>{ev(99), ev(1), ev(0)}));
    EXPECT_EQ(ids(list("user-a", {.from = format_rfc3339(t0 + std::chrono::minutes(3)),
                                  .to = format_rfc3339(t0 + std::chrono::minutes(5))})),
              (std::vector<std::string>{ev(5), ev(4), ev(3)}));
    EXPECT_EQ(ids(list("user-a", {.task_id = "t2",
                                  .event_type = "com.todoai.task.completed",
                                  .from = format_rfc3339(t0 + std::chrono::minutes(3))})),
              (std::vector<std::string>{ev(11), ev(8), ev(5)}));
}

TEST_F(AuditServiceTest, PagesOf50Cover120EventsExactlyOnceNewestFirst) {
    for (int i = 0; i < 120; ++i) deliver_ok({.id = ev(i), .task_id = testing::numbered("t", i % 7)});
    // Another user's events interleaved must not show up or disturb the pages.
    for (int i = 0; i < 30; ++i) deliver_ok({.id = testing::numbered("other-", i), .user_id = "user-b"});

    std::vector<std::string> seen;
    std::vector<std::size_t> sizes;
    AuditQuery q{.limit = 50};
    for (int guard = 0; guard < 10; ++guard) {
        auto page = list("user-a", q);
        auto page_ids = ids(page);
        sizes.push_back(page_ids.size());
        seen.insert(seen.end(), page_ids.begin(), page_ids.end());
        const auto& next = page.at("next_cursor");
        if (next.is_null()) break;
        q.before_seq = decode_cursor(next.as_string());
        ASSERT_TRUE(q.before_seq) << next;
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{50, 50, 20}));
    std::vector<std::string> expected;
    for (int i = 119; i >= 0; --i) expected.push_back(ev(i));
    EXPECT_EQ(seen, expected);
}

TEST_F(AuditServiceTest, AnExactlyFullLastPageHasNoNextCursor) {
    for (int i = 0; i < 4; ++i) deliver_ok({.id = ev(i)});
    auto first = list("user-a", {.limit = 2});
    ASSERT_TRUE(first.at("next_cursor").is_string());
    auto second = list("user-a", {.limit = 2, .before_seq = decode_cursor(first.at("next_cursor").as_string())});
    EXPECT_EQ(ids(second), (std::vector<std::string>{ev(1), ev(0)}));
    EXPECT_TRUE(second.at("next_cursor").is_null());
    EXPECT_TRUE(list("user-a", {.limit = 4}).at("next_cursor").is_null());
}

TEST_F(AuditServiceTest, AnotherUsersEventsAreNeverReturned) {
    deliver_ok({.id = "a-1", .user_id = "user-a", .task_id = "shared-task"});
    deliver_ok({.id = "b-1", .user_id = "user-b", .task_id = "shared-task"});
    deliver_ok({.type = "com.todoai.reminder.fired", .id = "b-2", .user_id = "user-b", .task_id = "shared-task"});
    EXPECT_EQ(ids(list("user-a")), std::vector<std::string>{"a-1"});
    EXPECT_EQ(ids(list("user-a", {.task_id = "shared-task"})), std::vector<std::string>{"a-1"});
    EXPECT_EQ(ids(list("user-b")), (std::vector<std::string>{"b-2", "b-1"}));
    EXPECT_EQ(ids(list("nobody")), std::vector<std::string>{});
    EXPECT_EQ(service_.list_page("nobody", {}), (http::JsonPage{.array = "[]", .next_cursor = std::nullopt}));
}

// Each entry: a name and the message text. Built from a valid event so each breaks exactly one thing.
std::vector<std::pair<std::string, std::string>> malformed_events() {
    std::vector<std::pair<std::string, std::string>> out;
    auto add = [&](std::string name, std::string text) { out.emplace_back(std::move(name), std::move(text)); };
    auto mutate = [&](std::string name, auto change) {
        auto o = event_object({.id = "bad-1"});
        change(o);
        add(std::move(name), json::serialize(o));
    };
    auto data = [](json::object& o) -> json::object& { return o["data"].as_object(); };

    add("empty", "");
    add("not JSON", "this is not json");
    add("truncated JSON", event_text({.id = "bad-1"}).substr(0, 40));
    add("JSON array", "[1,2,3]");
    add("JSON string", "\"com.todoai.task.created\"");
    add("invalid UTF-8", "{\"specversion\":\"1.0\",\"id\":\"\xff\xfe\"}");
    mutate("no specversion", [](json::object& o) { o.erase("specversion"); });
    mutate("specversion 0.3", [](json::object& o) { o["specversion"] = "0.3"; });
    mutate("no id", [](json::object& o) { o.erase("id"); });
    mutate("empty id", [](json::object& o) { o["id"] = ""; });
    mutate("numeric id", [](json::object& o) { o["id"] = 42; });
    mutate("no source", [](json::object& o) { o.erase("source"); });
    mutate("no type", [](json::object& o) { o.erase("type"); });
    mutate("numeric type", [](json::object& o) { o["type"] = 7; });
    mutate("unknown todoai type", [](json::object& o) { o["type"] = "com.todoai.task.archived"; });
    mutate("foreign type", [](json::object& o) { o["type"] = "com.example.order.placed"; });
    mutate("short type in envelope", [](json::object& o) { o["type"] = "task-created"; });
    mutate("time not RFC 3339", [](json::object& o) { o["time"] = "yesterday"; });
    mutate("data_base64", [](json::object& o) {
        o.erase("data");
        o["data_base64"] = "e30=";
    });
    mutate("no data", [](json::object& o) { o.erase("data"); });
    mutate("data a string", [](json::object& o) { o["data"] = "{\"task_id\":\"t\"}"; });
    mutate("data an array", [](json::object& o) { o["data"] = json::array{1}; });
    mutate("no data.event_id", [&](json::object& o) { data(o).erase("event_id"); });
    mutate("data.event_id differs from id", [&](json::object& o) { data(o)["event_id"] = "bad-2"; });
    mutate("numeric data.event_id", [&](json::object& o) { data(o)["event_id"] = 1; });
    mutate("no data.task_id", [&](json::object& o) { data(o).erase("task_id"); });
    mutate("numeric data.task_id", [&](json::object& o) { data(o)["task_id"] = 12; });
    mutate("empty data.task_id", [&](json::object& o) { data(o)["task_id"] = ""; });
    mutate("overlong data.task_id", [&](json::object& o) { data(o)["task_id"] = std::string(256, 't'); });
    mutate("no data.user_id", [&](json::object& o) { data(o).erase("user_id"); });
    mutate("null data.user_id", [&](json::object& o) { data(o)["user_id"] = nullptr; });
    mutate("object data.user_id", [&](json::object& o) { data(o)["user_id"] = json::object{{"id", "u"}}; });
    mutate("numeric correlation_id", [&](json::object& o) { data(o)["correlation_id"] = 5; });
    mutate("data.timestamp not RFC 3339", [&](json::object& o) { data(o)["timestamp"] = "2026-02-30T10:00:00Z"; });
    mutate("numeric data.timestamp", [&](json::object& o) { data(o)["timestamp"] = 1700000000; });
    mutate("no timestamp and no time", [&](json::object& o) {
        o.erase("time");
        data(o).erase("timestamp");
    });
    mutate("payload an array", [&](json::object& o) { data(o)["payload"] = json::array{}; });
    mutate("payload a string", [&](json::object& o) { data(o)["payload"] = "{}"; });
    mutate("payload null", [&](json::object& o) { data(o)["payload"] = nullptr; });
    return out;
}

TEST_F(AuditServiceTest, MalformedEventsAreDroppedWithAReasonAndNothingIsStored) {
    const auto battery = malformed_events();
    ASSERT_GE(battery.size(), 20u);
    std::set<std::string> reasons;
    for (const auto& [name, text] : battery) {
        for (auto topic : pubsub::Topics{}.all()) {
            auto result = bus_.deliver(topic, text);
            EXPECT_EQ(result.outcome, pubsub::Outcome::drop) << name << " on " << topic;
            EXPECT_FALSE(result.reason.empty()) << name;
            reasons.insert(result.reason);
        }
    }
    EXPECT_EQ(stored_items(), 0);
    EXPECT_EQ(stored_markers(), 0);
    EXPECT_GE(reasons.size(), 20u) << "reasons should say what is wrong, not one generic line";
    // A good event behind the bad ones still goes through.
    deliver_ok({.id = "good-after-bad"});
    EXPECT_EQ(ids(list("user-a")), std::vector<std::string>{"good-after-bad"});
}

TEST_F(AuditServiceTest, DropReasonsNameTheProblem) {
    auto reason = [&](std::string text) { return bus_.deliver("task-events", std::move(text)).reason; };
    auto o = event_object({.id = "r-1"});
    o["type"] = "com.todoai.task.archived";
    EXPECT_NE(reason(json::serialize(o)).find("com.todoai.task.archived"), std::string::npos);
    o = event_object({.id = "r-1"});
    o["data"].as_object().erase("user_id");
    EXPECT_NE(reason(json::serialize(o)).find("user_id"), std::string::npos);
    EXPECT_NE(reason("nope").find("JSON"), std::string::npos);
}

// A store that is down: every transaction fails as the SQLite driver reports a busy timeout.
class UnavailableDatabase final : public store::Database {
  public:
    std::unique_ptr<store::Transaction> begin(Access) override {
        throw store::StoreError(store::StoreError::Kind::unavailable, "database is locked");
    }
    void migrate(std::span<const store::Migration>) override {}
    bool ping() override { return false; }
    store::Dialect dialect() const override { return store::Dialect::sqlite; }
};

TEST(AuditServiceStoreDown, HandlerAnswersRetryAndListAnswers503) {
    UnavailableDatabase db;
    ManualClock clock(at("2026-02-08T12:00:00Z"));
    AuditService service(db, clock);
    testing::RecordingBus bus;
    service.subscribe(bus);
    auto result = bus.deliver("task-events", event_text({.id = "ev-down"}));
    EXPECT_EQ(result.outcome, pubsub::Outcome::retry);
    EXPECT_NE(result.reason.find("database is locked"), std::string::npos) << result.reason;
    // Malformed stays DROP even while the store is down (it would never succeed).
    EXPECT_EQ(bus.deliver("task-events", "garbage").outcome, pubsub::Outcome::drop);
    try {
        service.list_page("user-a", {});
        ADD_FAILURE() << "expected HttpError 503";
    } catch (const http::HttpError& e) {
        EXPECT_EQ(e.problem().status, 503);
    }
}

// Counts the write transactions begun on the wrapped store.
class CountingDatabase final : public store::Database {
  public:
    explicit CountingDatabase(store::Database& inner) : inner_(inner) {}
    std::unique_ptr<store::Transaction> begin(Access access) override {
        if (access == Access::write) ++writes;
        return inner_.begin(access);
    }
    void migrate(std::span<const store::Migration> m) override { inner_.migrate(m); }
    bool ping() override { return inner_.ping(); }
    store::Dialect dialect() const override { return inner_.dialect(); }
    int writes = 0;

  private:
    store::Database& inner_;
};

TEST_F(AuditServiceTest, ABatchIsStoredInOneTransactionAndItsRedeliveryChangesNothing) {
    CountingDatabase counting(*db_);
    AuditService service(counting, clock_);
    testing::RecordingBus bus;
    service.subscribe(bus);
    std::vector<std::string> batch;
    for (int i = 0; i < 100; ++i)
        batch.push_back(event_text({.type = std::string(kAllTypes[i % 4]), .id = ev(i)}));  // the task types

    const auto results = bus.deliver_batch("task-events", batch);
    ASSERT_EQ(results.size(), 100u);
    for (const auto& r : results) EXPECT_EQ(r.outcome, pubsub::Outcome::success) << r.reason;
    EXPECT_EQ(counting.writes, 1);
    EXPECT_EQ(stored_items(), 100);
    EXPECT_EQ(stored_markers(), 100);
    AuditQuery all;
    all.limit = 200;
    const auto stored = ids(list("user-a", all));
    ASSERT_EQ(stored.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(stored[static_cast<std::size_t>(99 - i)], ev(i)) << "batch order kept";

    const auto before = service_.list_page("user-a", all);
    const auto again = bus.deliver_batch("task-events", batch);
    ASSERT_EQ(again.size(), 100u);
    for (const auto& r : again) EXPECT_EQ(r.outcome, pubsub::Outcome::success) << r.reason;
    EXPECT_EQ(stored_items(), 100);
    EXPECT_EQ(stored_markers(), 100);
    EXPECT_EQ(service_.list_page("user-a", all), before);
}

TEST_F(AuditServiceTest, AMalformedEventInABatchIsDroppedAndTheRestIsStored) {
    const auto results = bus_.deliver_batch(
        "task-events", {event_text({.id = "b-1"}), "not json", event_text({.id = "b-2"}), event_text({.id = "b-1"})});
    ASSERT_EQ(results.size(), 4u);
    EXPECT_EQ(results[0].outcome, pubsub::Outcome::success);
    EXPECT_EQ(results[1].outcome, pubsub::Outcome::drop);
    EXPECT_NE(results[1].reason.find("JSON"), std::string::npos) << results[1].reason;
    EXPECT_EQ(results[2].outcome, pubsub::Outcome::success);
    EXPECT_EQ(results[3].outcome, pubsub::Outcome::success) << "twice in one batch: stored once";
    EXPECT_EQ(ids(list("user-a")), (std::vector<std::string>{"b-2", "b-1"}));
    EXPECT_EQ(stored_markers(), 2);
}

TEST(AuditServiceStoreDown, ABatchAnswersRetryForEveryMessage) {
    UnavailableDatabase db;
    ManualClock clock(at("2026-02-08T12:00:00Z"));
    AuditService service(db, clock);
    testing::RecordingBus bus;
    service.subscribe(bus);
    const auto results =
        bus.deliver_batch("task-events", {event_text({.id = "ev-1"}), "garbage", event_text({.id = "ev-2"})});
    ASSERT_EQ(results.size(), 3u);
    for (const auto& r : results) {
        EXPECT_EQ(r.outcome, pubsub::Outcome::retry);
        EXPECT_NE(r.reason.find("database is locked"), std::string::npos) << r.reason;
    }
    // Only malformed events: nothing to store, DROP.
    const auto malformed = bus.deliver_batch("task-events", {"garbage", "[]"});
    ASSERT_EQ(malformed.size(), 2u);
    for (const auto& r : malformed) EXPECT_EQ(r.outcome, pubsub::Outcome::drop);
}

TEST_F(AuditServiceTest, MigrationsAreIdempotentAndCoverBothDialects) {
    db_->migrate(AuditService::migrations());  // second time: nothing to do
    for (const auto& m : AuditService::migrations()) {
        EXPECT_FALSE(m.sqlite_sql.empty()) << m.version;
        EXPECT_FALSE(m.postgres_sql.empty()) << m.version;
    }
    deliver_ok({.id = "after-remigrate"});
    EXPECT_EQ(stored_items(), 1);
}

}  // namespace
}  // namespace todoai::audit
