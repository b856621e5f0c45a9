// The websocket service through a real Server on 127.0.0.1, port 0, a real SQLite store and a Bus double whose
// recorded handler the test calls as the bus would. Every wait has a deadline (WsClient).
#include "services/websocket/websocket_service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/cloud_event.hpp"
#include "core/time.hpp"
#include "runtime/http/server.hpp"
#include "runtime/http/websocket_test_client.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/websocket/feed_event.hpp"
#include "support/recording_bus.hpp"
#include "support/temp_dir.hpp"

namespace todoai::websocket {
namespace {

using namespace std::chrono_literals;
using todoai::testing::WsClient;
namespace json = boost::json;
namespace bws = boost::beast::websocket;

constexpr std::string_view kSecret = "a-test-secret-that-is-long-enough-for-hs256";

using todoai::testing::RecordingBus;

std::string event_text(std::string_view id,
                       std::string_view user_id,
                       std::string_view type = "com.todoai.task.created",
                       std::string_view task_id = "task-1") {
    json::object data{
        {"event_id", id},          {"event_type", short_event_type(type)},
        {"task_id", task_id},      {"user_id", user_id},
        {"correlation_id", id},    {"timestamp", "2026-02-08T10:00:00.000Z"},
        {"schema_version", "1.0"}, {"payload", json::object{{"title", "Buy milk"}, {"status", "pending"}}}};
    return json::serialize(json::object{{"specversion", "1.0"},
                                        {"id", id},
                                        {"source", "todo-service"},
                                        {"type", type},
                                        {"subject", task_id},
                                        {"time", "2026-02-08T10:00:00.000Z"},
                                        {"datacontenttype", "application/json"},
                                        {"data", std::move(data)}});
}

std::string numbered(std::string_view prefix, int i) {
    std::string out(prefix);
    out += std::to_string(i);
    return out;
}

class WebSocketServiceTest : public ::testing::Test {
  protected:
    void start(WebSocketServiceOptions options = {}) {
        db_ = store::open_sqlite({.file = dir_.path() / "websocket.db"});
        db_->migrate(WebSocketService::migrations());
        service_ = std::make_unique<WebSocketService>(*db_, clock_, jwt_, options);
        service_->subscribe(bus_);
        http::ServerOptions server_options;
        server_options.host = "127.0.0.1";
        server_options.port = 0;
        server_options.threads = 2;
        server_options.access_log = false;
        server_options.drain_timeout = 2s;
        server_ = std::make_unique<http::Server>(
            server_options,
            [](http::Request&) {
                return http::Response::json(404, {{"detail", "no route"}});
            },
            metrics_);
        server_->add_websocket(std::string(kPath), service_->acceptor(), service_->websocket_options());
        port_ = server_->listen();
        thread_ = std::thread([this] { server_->run(); });
    }

    void TearDown() override {
        if (server_) server_->stop();
        if (thread_.joinable()) thread_.join();
    }

    std::string token(std::string_view user) { return jwt_.issue(user, 1h); }

    std::unique_ptr<WsClient> connect(std::string_view user, std::string_view query = "") {
        auto client = std::make_unique<WsClient>(port_);
        std::string target = "/ws?token=" + token(user);
        if (!query.empty()) (target += '&') += query;
        const auto ec = client->handshake(target);
        EXPECT_FALSE(ec) << "handshake for " << user << ": " << ec.message();
        return client;
    }

    void deliver_ok(std::string_view id, std::string_view user, std::string_view type = "com.todoai.task.created") {
        const std::string topic = type.starts_with("com.todoai.reminder.") ? "reminders" : "task-events";
        const auto result = bus_.deliver(topic, event_text(id, user, type));
        ASSERT_EQ(result.outcome, pubsub::Outcome::success) << result.reason;
    }

    static std::string read_id(WsClient& client) {
        auto r = client.read();
        if (r.ec) return "<" + r.ec.message() + ">";
        const auto v = json::parse(r.text);
        if (const auto* id = v.as_object().if_contains("id")) return std::string(id->as_string());
        return "<control: " + r.text + ">";
    }

    todoai::testing::TempDir dir_;
    SystemClock clock_;
    auth::JwtCodec jwt_{std::string(kSecret), clock_};
    std::unique_ptr<store::Database> db_;
    RecordingBus bus_;
    std::unique_ptr<WebSocketService> service_;
    http::Metrics metrics_;
    std::unique_ptr<http::Server> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
};

TEST_F(WebSocketServiceTest, SubscribesToBothTopicsAsItsOwnGroup) {
    start();
    ASSERT_EQ(bus_.subscriptions.size(), 2u);
    EXPECT_EQ(bus_.subscriptions[0].topic, "task-events");
    EXPECT_EQ(bus_.subscriptions[1].topic, "reminders");
    for (const auto& s : bus_.subscriptions) EXPECT_EQ(s.group, "websocket-service");
}

TEST_F(WebSocketServiceTest, UserReceivesTheirEventAsPublishedWithEveryCloudEventsField) {
    start();
    auto alice = connect("alice");
    const auto published = event_text("e-1", "alice", "com.todoai.task.completed", "task-9");
    ASSERT_EQ(bus_.deliver("task-events", published).outcome, pubsub::Outcome::success);
    auto r = alice->read();
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_FALSE(r.binary);
    EXPECT_EQ(r.text, published) << "the CloudEvent text exactly as published";
    const auto event = json::parse(r.text).as_object();
    EXPECT_EQ(event.at("specversion"), "1.0");
    EXPECT_EQ(event.at("id"), "e-1");
    EXPECT_EQ(event.at("source"), "todo-service");
    EXPECT_EQ(event.at("type"), "com.todoai.task.completed");
    EXPECT_EQ(event.at("subject"), "task-9");
    EXPECT_EQ(event.at("time"), "2026-02-08T10:00:00.000Z");
    EXPECT_EQ(event.at("datacontenttype"), "application/json");
    EXPECT_EQ(event.at("data").at("user_id"), "alice");
}

TEST_F(WebSocketServiceTest, NeverAnotherUsersEvents) {
    start();
    auto alice = connect("alice");
    auto alice_second_tab = connect("alice");
    auto bob = connect("bob");
    EXPECT_EQ(service_->connection_count("alice"), 2u);
    deliver_ok("b-1", "bob");
    deliver_ok("a-1", "alice");
    deliver_ok("b-2", "bob");
    deliver_ok("a-2", "alice", "com.todoai.reminder.fired");
    for (auto* client : {alice.get(), alice_second_tab.get()}) {
        EXPECT_EQ(read_id(*client), "a-1");
        EXPECT_EQ(read_id(*client), "a-2");
    }
    EXPECT_EQ(read_id(*bob), "b-1");
    EXPECT_EQ(read_id(*bob), "b-2");
}

TEST_F(WebSocketServiceTest, TokenAsSubprotocolIsEchoed) {
    start();
    WsClient client(port_);
    const std::string protocol = "bearer." + token("alice");
    ASSERT_FALSE(client.handshake("/ws", "todoai.v1, " + protocol));
    EXPECT_EQ(client.response[boost::beast::http::field::sec_websocket_protocol], protocol);
    deliver_ok("e-1", "alice");
    EXPECT_EQ(read_id(client), "e-1");
}

TEST_F(WebSocketServiceTest, MissingForgedOrExpiredTokenIs401BeforeTheUpgrade) {
    start();
    SystemClock clock;
    auth::JwtCodec other_secret{"another-secret-that-is-also-long-enough!!", clock};
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"/ws", ""},
        {"/ws?token=", ""},
        {"/ws?token=not-a-jwt", ""},
        {"/ws?token=" + other_secret.issue("alice", 1h), ""},
        {"/ws?token=" + jwt_.issue("alice", -60s), ""},
        {"/ws", "bearer." + other_secret.issue("alice", 1h)},
        {"/ws", "bearer." + jwt_.issue("alice", -60s)},
        {"/ws", "chat"},
    };
    for (const auto& [target, protocols] : cases) {
        WsClient client(port_);
        EXPECT_EQ(client.handshake(target, protocols), bws::error::upgrade_declined) << target << " " << protocols;
        EXPECT_EQ(client.response.result_int(), 401) << target << " " << protocols;
        EXPECT_EQ(client.response[boost::beast::http::field::content_type], "application/problem+json");
        EXPECT_NE(client.response.body().find("\"status\":401"), std::string::npos) << client.response.body();
    }
    EXPECT_EQ(service_->connection_count("alice"), 0u);
}

TEST_F(WebSocketServiceTest, AfterReplaysMissedEventsInOrderThenLive) {
    start();
    for (int i = 1; i <= 5; ++i) deliver_ok(numbered("e-", i), "alice");
    deliver_ok("other", "bob");
    auto alice = connect("alice", "after=e-2");
    EXPECT_EQ(read_id(*alice), "e-3");
    EXPECT_EQ(read_id(*alice), "e-4");
    EXPECT_EQ(read_id(*alice), "e-5");
    deliver_ok("e-6", "alice");
    EXPECT_EQ(read_id(*alice), "e-6");
}

TEST_F(WebSocketServiceTest, AfterTheLatestEventReplaysNothingAndGoesLive) {
    start();
    deliver_ok("e-1", "alice");
    auto alice = connect("alice", "after=e-1");
    deliver_ok("e-2", "alice");
    EXPECT_EQ(read_id(*alice), "e-2");
}

TEST_F(WebSocketServiceTest, ReplayRacingLiveEventsHasNoGapAndNoDuplicate) {
    start();
    deliver_ok("e-000", "alice");
    constexpr int kEvents = 200;
    std::thread publisher([&] {
        for (int i = 1; i <= kEvents; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "e-%03d", i);
            deliver_ok(id, "alice");
        }
    });
    auto alice = connect("alice", "after=e-000");
    publisher.join();
    for (int i = 1; i <= kEvents; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "e-%03d", i);
        ASSERT_EQ(read_id(*alice), id);
    }
    deliver_ok("last", "alice");
    EXPECT_EQ(read_id(*alice), "last") << "nothing sent twice";
}

TEST_F(WebSocketServiceTest, UnknownAfterSendsResyncThenLive) {
    start();
    deliver_ok("bobs", "bob");
    for (const auto* after : {"after=no-such-event", "after=bobs"}) {
        auto alice = connect("alice", after);
        auto r = alice->read();
        ASSERT_FALSE(r.ec) << r.ec.message();
        const auto control = json::parse(r.text).as_object();
        EXPECT_EQ(control.at("type"), "com.todoai.resync") << after;
        EXPECT_FALSE(control.at("reason").as_string().empty());
        deliver_ok(numbered("live-", after[6] == 'n' ? 1 : 2), "alice");
        EXPECT_EQ(read_id(*alice), numbered("live-", after[6] == 'n' ? 1 : 2));
    }
}

TEST_F(WebSocketServiceTest, TooManyMissedEventsSendsResync) {
    WebSocketServiceOptions options;
    options.max_replay = 3;
    start(options);
    for (int i = 1; i <= 6; ++i) deliver_ok(numbered("e-", i), "alice");
    auto alice = connect("alice", "after=e-1");
    auto r = alice->read();
    EXPECT_NE(r.text.find("com.todoai.resync"), std::string::npos) << r.text;
    deliver_ok("e-7", "alice");
    EXPECT_EQ(read_id(*alice), "e-7");
}

TEST_F(WebSocketServiceTest, RedeliveredEventIsNotPushedTwice) {
    start();
    auto alice = connect("alice");
    deliver_ok("e-1", "alice");
    deliver_ok("e-1", "alice");  // the bus redelivers: SUCCESS, nothing sent
    deliver_ok("e-2", "alice");
    EXPECT_EQ(read_id(*alice), "e-1");
    EXPECT_EQ(read_id(*alice), "e-2");
}

TEST_F(WebSocketServiceTest, MalformedEventsAreDroppedAndNothingIsSent) {
    start();
    auto alice = connect("alice");
    auto valid = json::parse(event_text("x", "alice")).as_object();
    auto with = [&](auto change) {
        auto copy = valid;
        change(copy);
        return json::serialize(copy);
    };
    const std::vector<std::string> malformed = {
        "not json",
        "[]",
        with([](json::object& o) { o.erase("specversion"); }),
        with([](json::object& o) { o["type"] = "com.todoai.task.exploded"; }),
        with([](json::object& o) { o["data"] = "text"; }),
        with([](json::object& o) { o["data"].as_object().erase("user_id"); }),
        with([](json::object& o) { o["data"].as_object()["user_id"] = 42; }),
        with([](json::object& o) { o["data"].as_object()["user_id"] = ""; }),
        with([](json::object& o) { o["data"].as_object()["event_id"] = "another-id"; }),
    };
    for (const auto& text : malformed) {
        const auto result = bus_.deliver("task-events", text);
        EXPECT_EQ(result.outcome, pubsub::Outcome::drop) << text;
        EXPECT_FALSE(result.reason.empty());
    }
    deliver_ok("good", "alice");
    EXPECT_EQ(read_id(*alice), "good");
}

TEST_F(WebSocketServiceTest, ClientMessagesAreIgnored) {
    start();
    auto alice = connect("alice");
    ASSERT_FALSE(alice->write("{\"type\":\"ping\"}"));
    deliver_ok("e-1", "alice");
    EXPECT_EQ(read_id(*alice), "e-1");
}

TEST_F(WebSocketServiceTest, ClosedConnectionsLeaveTheHub) {
    start();
    {
        auto alice = connect("alice");
        EXPECT_EQ(service_->connection_count("alice"), 1u);
        EXPECT_FALSE(alice->close());
    }
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (service_->connection_count("alice") != 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    EXPECT_EQ(service_->connection_count("alice"), 0u);
    deliver_ok("e-1", "alice");  // no one to send to; stored for a later ?after=
    auto again = connect("alice", "after=e-1");
    deliver_ok("e-2", "alice");
    EXPECT_EQ(read_id(*again), "e-2");
}

TEST_F(WebSocketServiceTest, ABatchIsPushedAfterItsCommitInOrderAndItsRedeliveryPushesNothing) {
    start();
    auto alice = connect("alice");
    auto bob = connect("bob");
    std::vector<std::string> batch;
    for (int i = 0; i < 100; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "e-%03d", i);
        batch.push_back(event_text(id, "alice"));
    }
    const auto results = bus_.deliver_batch("task-events", batch);
    ASSERT_EQ(results.size(), 100u);
    for (const auto& r : results) EXPECT_EQ(r.outcome, pubsub::Outcome::success) << r.reason;
    {
        auto tx = db_->begin(store::Database::Access::read);
        EXPECT_EQ(tx->query("SELECT count(*) FROM recent_events").at(0).int64(0), 100);
    }
    for (int i = 0; i < 100; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "e-%03d", i);
        ASSERT_EQ(read_id(*alice), id);
    }

    // The bus redelivers the batch, with one new event in it: only that one is pushed.
    batch.push_back(event_text("new", "alice"));
    const auto again = bus_.deliver_batch("task-events", batch);
    ASSERT_EQ(again.size(), 101u);
    for (const auto& r : again) EXPECT_EQ(r.outcome, pubsub::Outcome::success) << r.reason;
    EXPECT_EQ(read_id(*alice), "new") << "nothing of the redelivered batch is pushed twice";
    deliver_ok("b-1", "bob");
    EXPECT_EQ(read_id(*bob), "b-1") << "bob got nothing of alice's batch";
}

TEST_F(WebSocketServiceTest, AMalformedEventInABatchIsDroppedAndTheRestIsPushed) {
    start();
    auto alice = connect("alice");
    const auto results =
        bus_.deliver_batch("reminders", {event_text("r-1", "alice", "com.todoai.reminder.fired"), "not json",
                                         event_text("r-2", "alice", "com.todoai.reminder.scheduled")});
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].outcome, pubsub::Outcome::success);
    EXPECT_EQ(results[1].outcome, pubsub::Outcome::drop);
    EXPECT_FALSE(results[1].reason.empty());
    EXPECT_EQ(results[2].outcome, pubsub::Outcome::success);
    EXPECT_EQ(read_id(*alice), "r-1");
    EXPECT_EQ(read_id(*alice), "r-2");
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

TEST(WebSocketServiceStoreDown, ABatchAnswersRetryForEveryMessageAndALoneMalformedEventDrop) {
    UnavailableDatabase db;
    SystemClock clock;
    auth::JwtCodec jwt{std::string(kSecret), clock};
    WebSocketService service(db, clock, jwt);
    RecordingBus bus;
    service.subscribe(bus);
    const auto results = bus.deliver_batch("task-events", {event_text("e-1", "alice"), "garbage"});
    ASSERT_EQ(results.size(), 2u);
    for (const auto& r : results) {
        EXPECT_EQ(r.outcome, pubsub::Outcome::retry);
        EXPECT_NE(r.reason.find("database is locked"), std::string::npos) << r.reason;
    }
    EXPECT_EQ(bus.deliver("task-events", event_text("e-1", "alice")).outcome, pubsub::Outcome::retry);
    EXPECT_EQ(bus.deliver("task-events", "garbage").outcome, pubsub::Outcome::drop);
}

TEST(FeedEvent, ResyncMessageIsJson) {
    const auto v = json::parse(resync_message("a \"quoted\" reason")).as_object();
    EXPECT_EQ(v.at("type"), "com.todoai.resync");
    EXPECT_EQ(v.at("reason"), "a \"quoted\" reason");
}

}  // namespace
}  // namespace todoai::websocket
