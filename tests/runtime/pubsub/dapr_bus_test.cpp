// The Dapr bus against a stand-in sidecar (a real http::Server on 127.0.0.1, port 0) for what daprd is asked to do:
// the publish request as daprd's HTTP API wants it (path, partition key, content type, token), PublishError unless
// 204 and before /v1.0/healthz/outbound answered, and the app side (subscriptions, SUCCESS/RETRY/DROP, 401, 404).
// The real daprd is tested in tests/dapr/.
#include "runtime/pubsub/dapr/dapr_bus.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <future>
#include <mutex>

#include "runtime/http/metrics.hpp"
#include "runtime/http/server.hpp"
#include "runtime/pubsub/dapr/subscriber_routes.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;

constexpr const char* kEvent =
    R"({"specversion":"1.0","id":"e-1","source":"todo-service","type":"com.todoai.task.created","subject":"t-1",)"
    R"("datacontenttype":"application/json","data":{"user_id":"u-1","task_id":"t-1"}})";

class DaprBusTest : public ::testing::Test {
  protected:
    void SetUp() override {
        http::ServerOptions options{.host = "127.0.0.1", .port = 0, .threads = 2, .access_log = false};
        server_ = std::make_unique<http::Server>(
            options,
            [this](http::Request& req) {
                std::lock_guard lock(mutex_);
                if (req.path == "/v1.0/healthz/outbound") return http::Response::empty(outbound_status_);
                seen_.push_back(req);
                return http::Response::empty(publish_status_);
            },
            metrics_);
        port_ = server_->listen();
        ran_ = std::async(std::launch::async, [this] { server_->run(); });
    }

    void TearDown() override {
        server_->stop();
        EXPECT_EQ(ran_.wait_for(10s), std::future_status::ready);
    }

    dapr::SidecarOptions sidecar(std::string token = "") const {
        return {.host = "127.0.0.1", .http_port = port_, .api_token = std::move(token)};
    }

    std::vector<http::Request> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

    std::mutex mutex_;
    int outbound_status_ = 204;
    int publish_status_ = 204;
    std::vector<http::Request> seen_;
    http::Metrics metrics_;
    std::unique_ptr<http::Server> server_;
    std::uint16_t port_ = 0;
    std::future<void> ran_;
};

TEST_F(DaprBusTest, PublishesTheCloudEventAsItIsKeyedByUserWithTheApiToken) {
    dapr::SidecarClient client(sidecar("dapr-secret"));
    DaprBus bus(client, {.bulk_publish = false});
    const Message a{.topic = "task-events", .key = "u-1", .payload = kEvent, .id = "e-1"};
    const Message b{.topic = "reminders", .key = "user 2/x", .payload = kEvent, .id = "e-2"};
    const std::vector<Message> batch{a, b};
    bus.publish(batch);

    const auto requests = seen();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].method, http::Method::post);
    EXPECT_EQ(requests[0].path, "/v1.0/publish/kafka-pubsub/task-events");
    EXPECT_EQ(requests[0].query_param("metadata.partitionKey").value_or(""), "u-1");
    EXPECT_EQ(requests[0].header("content-type").value_or(""), "application/cloudevents+json");
    EXPECT_EQ(requests[0].header("dapr-api-token").value_or(""), "dapr-secret");
    EXPECT_EQ(requests[0].body, kEvent);
    EXPECT_EQ(requests[1].path, "/v1.0/publish/kafka-pubsub/reminders");
    EXPECT_EQ(requests[1].query_param("metadata.partitionKey").value_or(""), "user 2/x");  // encoded, decoded back
}

TEST_F(DaprBusTest, BulkPublishesEachRunOfOneTopicInOneCallInOrder) {
    dapr::SidecarClient client(sidecar("dapr-secret"));
    DaprBus bus(client);
    const std::vector<Message> batch{{.topic = "task-events", .key = "u-1", .payload = kEvent, .id = "e-1"},
                                     {.topic = "task-events", .key = "user \"2\"", .payload = kEvent, .id = "e-2"},
                                     {.topic = "reminders", .key = "u-1", .payload = kEvent, .id = "e-3"}};
    bus.publish(batch);

    const auto requests = seen();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].path, "/v1.0-alpha1/publish/bulk/kafka-pubsub/task-events");
    EXPECT_EQ(requests[0].header("dapr-api-token").value_or(""), "dapr-secret");
    const auto entries = boost::json::parse(requests[0].body).as_array();
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].at("entryId"), "0");
    EXPECT_EQ(entries[1].at("entryId"), "1");
    EXPECT_EQ(entries[0].at("event"), boost::json::parse(kEvent));  // the CloudEvent as it is
    EXPECT_EQ(entries[0].at("contentType"), "application/cloudevents+json");
    EXPECT_EQ(entries[0].at("metadata").at("partitionKey"), "u-1");
    EXPECT_EQ(entries[1].at("metadata").at("partitionKey"), "user \"2\"");
    EXPECT_EQ(requests[1].path, "/v1.0-alpha1/publish/bulk/kafka-pubsub/reminders");
    EXPECT_EQ(boost::json::parse(requests[1].body).as_array().size(), 1u);
}

TEST_F(DaprBusTest, OnlyA204CountsAsPublished) {
    publish_status_ = 500;
    dapr::SidecarClient client(sidecar());
    DaprBus bus(client);
    const std::vector<Message> batch{{.topic = "task-events", .key = "u-1", .payload = kEvent, .id = "e-1"}};
    try {
        bus.publish(batch);
        FAIL() << "a 500 from the sidecar must be a PublishError";
    } catch (const PublishError& e) {
        EXPECT_NE(std::string(e.what()).find("500"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("e-1"), std::string::npos) << e.what();
    }
    publish_status_ = 200;  // not 204 either
    EXPECT_THROW(bus.publish(batch), PublishError);
}

TEST_F(DaprBusTest, WaitsForOutboundHealthBeforeTheFirstPublish) {
    outbound_status_ = 500;
    dapr::SidecarClient client(sidecar());
    DaprBus bus(client, {.outbound_wait = 300ms});
    const std::vector<Message> batch{{.topic = "task-events", .key = "u-1", .payload = kEvent, .id = "e-1"}};
    EXPECT_FALSE(bus.ready());
    EXPECT_THROW(bus.publish(batch), PublishError);
    EXPECT_TRUE(seen().empty()) << "nothing is published before the sidecar's outbound health is 204";
    {
        std::lock_guard lock(mutex_);
        outbound_status_ = 204;
    }
    EXPECT_TRUE(bus.ready());
    bus.publish(batch);
    EXPECT_EQ(seen().size(), 1u);
}

TEST(DaprBusNoSidecar, PublishFailsWithoutASidecarAndReadyIsFalse) {
    // A port nobody listens on: the process must not crash, only report not-ready and keep its rows.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    const auto port = ntohs(addr.sin_port);
    ::close(fd);
    dapr::SidecarClient client({.host = "127.0.0.1", .http_port = port});
    DaprBus bus(client, {.outbound_wait = 200ms});
    EXPECT_FALSE(bus.ready());
    const std::vector<Message> batch{{.topic = "task-events", .key = "u-1", .payload = kEvent, .id = "e-1"}};
    EXPECT_THROW(bus.publish(batch), PublishError);
}

TEST_F(DaprBusTest, ListsOneSubscriptionPerTopicWithItsRouteAndDeadLetterTopic) {
    dapr::SidecarClient client(sidecar());
    DaprBus bus(client);
    bus.subscribe("task-events", "audit-service", [](const Message&) { return HandlerResult::ok(); });
    bus.subscribe("reminders", "audit-service", [](const Message&) { return HandlerResult::ok(); });
    const auto list = boost::json::parse(bus.subscriptions()).as_array();
    ASSERT_EQ(list.size(), 2u);
    for (const auto& entry : list) {
        const auto& o = entry.as_object();
        const std::string topic(o.at("topic").as_string());
        EXPECT_EQ(o.at("pubsubname").as_string(), "kafka-pubsub");
        EXPECT_EQ(o.at("route").as_string(), "/events/" + topic);
        EXPECT_EQ(o.at("deadLetterTopic").as_string(), topic + "-dlq");
    }
}

TEST_F(DaprBusTest, AnswersSuccessRetryOrDropFromTheHandlers) {
    dapr::SidecarClient client(sidecar());
    DaprBus bus(client);
    HandlerResult next = HandlerResult::ok();
    std::vector<Message> handled;
    bus.subscribe("task-events", "audit-service", [&](const Message& m) {
        handled.push_back(m);
        return next;
    });
    bus.start();
    EXPECT_EQ(bus.deliver("task-events", kEvent).body, R"({"status":"SUCCESS"})");
    ASSERT_EQ(handled.size(), 1u);
    EXPECT_EQ(handled[0].id, "e-1");
    EXPECT_EQ(handled[0].key, "u-1");  // from data.user_id when daprd passes no __key
    EXPECT_EQ(handled[0].payload, kEvent);
    EXPECT_EQ(bus.deliver("task-events", kEvent, "k-9").outcome, Outcome::success);
    EXPECT_EQ(handled[1].key, "k-9");

    next = HandlerResult::retry("store down");
    EXPECT_EQ(bus.deliver("task-events", kEvent).body, R"({"status":"RETRY"})");
    next = HandlerResult::retry_later("todo unreachable");
    EXPECT_EQ(bus.deliver("task-events", kEvent).outcome, Outcome::retry);
    next = HandlerResult::drop("bad data");
    const auto dropped = bus.deliver("task-events", kEvent);
    EXPECT_EQ(dropped.body, R"({"status":"DROP"})");
    EXPECT_EQ(dropped.status, 200);
    bus.stop();
}

TEST_F(DaprBusTest, AnExceptionIsARetryAndAMalformedEventADropThatReachesNoHandler) {
    dapr::SidecarClient client(sidecar());
    DaprBus bus(client);
    int calls = 0;
    bus.subscribe("task-events", "audit-service", [&](const Message&) -> HandlerResult {
        ++calls;
        throw std::runtime_error("boom");
    });
    bus.start();
    EXPECT_EQ(bus.deliver("task-events", kEvent).outcome, Outcome::retry);
    EXPECT_EQ(calls, 1);
    for (const char* bad : {"not json", "[1,2]", R"({"specversion":"1.0","type":"x","source":"y"})",
                            R"({"specversion":"0.3","id":"e","type":"x","source":"y"})"}) {
        EXPECT_EQ(bus.deliver("task-events", bad).outcome, Outcome::drop) << bad;
    }
    EXPECT_EQ(calls, 1) << "a malformed CloudEvent must reach no handler";
}

TEST_F(DaprBusTest, RetryWinsOverDropAmongSeveralGroups) {
    dapr::SidecarClient client(sidecar());
    DaprBus bus(client);
    bus.subscribe("task-events", "a", [](const Message&) { return HandlerResult::drop("no"); });
    bus.subscribe("task-events", "b", [](const Message&) { return HandlerResult::retry("later"); });
    bus.subscribe("task-events", "c", [](const Message&) { return HandlerResult::ok(); });
    bus.start();
    EXPECT_EQ(bus.deliver("task-events", kEvent).outcome, Outcome::retry);
}

TEST_F(DaprBusTest, SubscriberRoutesCheckTheAppTokenAndKnowTheirTopics) {
    dapr::SidecarClient client(sidecar());
    DaprBus bus(client);
    int calls = 0;
    bus.subscribe("task-events", "audit-service", [&](const Message&) {
        ++calls;
        return HandlerResult::ok();
    });
    bus.start();
    http::Router router;
    register_dapr_subscriber_routes(router, bus, "app-secret");

    auto request = [&](http::Method method, std::string path, std::string token, std::string body = "") {
        http::Request req{.method = method, .target = path, .path = path, .body = std::move(body)};
        if (!token.empty()) req.headers.emplace_back("dapr-api-token", token);
        return router.dispatch(req);
    };
    EXPECT_EQ(request(http::Method::get, "/dapr/subscribe", "").status, 401);
    EXPECT_EQ(request(http::Method::get, "/dapr/subscribe", "wrong").status, 401);
    const auto list = request(http::Method::get, "/dapr/subscribe", "app-secret");
    EXPECT_EQ(list.status, 200);
    EXPECT_NE(list.body.find("/events/task-events"), std::string::npos) << list.body;

    const auto no_token = request(http::Method::post, "/events/task-events", "", kEvent);
    EXPECT_EQ(no_token.status, 401);
    EXPECT_EQ(no_token.content_type, "application/problem+json");
    EXPECT_EQ(calls, 0) << "nothing is applied without daprd's token";
    const auto ok = request(http::Method::post, "/events/task-events", "app-secret", kEvent);
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, R"({"status":"SUCCESS"})");
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(request(http::Method::post, "/events/unknown", "app-secret", kEvent).status, 404);
    const auto malformed = request(http::Method::post, "/events/task-events", "app-secret", "{");
    EXPECT_EQ(malformed.status, 200);
    EXPECT_EQ(malformed.body, R"({"status":"DROP"})");
    EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace todoai::pubsub
