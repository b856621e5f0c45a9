#include "runtime/pubsub/kafka_dead_letters.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "runtime/pubsub/bus_contract.hpp"
#include "runtime/pubsub/kafka_headers.hpp"
#include "support/kafka_mock_process.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;
using contract::message;
using contract::Received;

/// A warm Kafka bus on a mock cluster of its own (fresh topics, groups and replay offsets), and the dead-letter tool
/// on the same brokers.
struct DeadLetterEnv {
    DeadLetterEnv()
        : options{.brokers = kafka.bootstrap(),
                  .publish_timeout = 3s,
                  .retry = RetryPolicy{.max_attempts = 2, .initial_backoff = 1ms, .max_backoff = 4ms}},
          bus(make_kafka_bus(options, clock)),
          dead_letters(options, 5s) {
        EXPECT_TRUE(wait_until_warm(*bus, 10s)) << "the producer did not get warm on " << kafka.bootstrap();
    }

    /// Lists `topic`'s dead letters until there are `n` (dead letters are written asynchronously, by the consumers).
    std::vector<KafkaDeadLetter> await_letters(std::string_view topic, std::size_t n) {
        const auto deadline = std::chrono::steady_clock::now() + contract::kDeadline;
        for (;;) {
            auto letters = dead_letters.list(topic);
            if (letters.size() >= n || std::chrono::steady_clock::now() >= deadline) return letters;
            std::this_thread::sleep_for(20ms);  // polling the brokers, with a deadline
        }
    }

    testing::KafkaMockProcess kafka{{"--partitions", "3"}};
    SystemClock clock;
    KafkaOptions options;
    std::unique_ptr<Bus> bus;
    KafkaDeadLetters dead_letters;
};

std::vector<std::string> sorted_ids(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

TEST(KafkaDeadLetters, AMissingOrEmptyDeadLetterTopicListsNothing) {
    DeadLetterEnv env;
    EXPECT_TRUE(env.dead_letters.list("task-events").empty());  // created empty by the mock
    EXPECT_TRUE(env.dead_letters.list("no-such-topic").empty());
    EXPECT_EQ(env.dead_letters.replay("task-events").replayed, 0u);
}

TEST(KafkaDeadLetters, ListsDroppedEventsThenReplaysThemOnceToTheirTopic) {
    DeadLetterEnv env;
    std::atomic<bool> dropping{true};
    Received received;
    env.bus->subscribe("task-events", "audit", [&](const Message& m) {
        if (dropping) return HandlerResult::drop("not a CloudEvent: missing 'type'");
        received.add("audit", m);
        return HandlerResult::ok();
    });
    env.bus->start();
    env.bus->publish(std::vector{message("task-events", "user-1", "e1", R"({"n":1})"),
                                 message("task-events", "user-2", "e2", R"({"n":2})"),
                                 message("task-events", "user-3", "e3", R"({"n":3})")});

    auto letters = env.await_letters("task-events", 3);
    ASSERT_EQ(letters.size(), 3u);
    std::set<std::string> ids;
    for (const auto& d : letters) {
        ids.insert(d.letter.event_id);
        EXPECT_EQ(d.letter.topic, "task-events-dlq");
        EXPECT_EQ(d.letter.original_topic, "task-events");
        EXPECT_EQ(d.letter.group, "audit");
        EXPECT_EQ(d.letter.reason, "not a CloudEvent: missing 'type'");
        EXPECT_EQ(d.letter.attempts, 1);  // DROP is not retried
        EXPECT_FALSE(d.letter.failed_at.empty());
        EXPECT_FALSE(d.letter.requeued);
        EXPECT_EQ(d.letter.key, "user-" + d.letter.event_id.substr(1));
        EXPECT_EQ(d.letter.payload, R"({"n":)" + d.letter.event_id.substr(1) + "}");
        // What replay sends again: the original headers, none of the dlq_* ones.
        bool has_id = false;
        for (const auto& [name, value] : d.headers) {
            EXPECT_FALSE(name.starts_with("dlq_")) << name;
            if (name == kafka::kEventIdHeader) has_id = value == d.letter.event_id;
        }
        EXPECT_TRUE(has_id);
    }
    EXPECT_EQ(ids, (std::set<std::string>{"e1", "e2", "e3"}));
    EXPECT_EQ(env.dead_letters.list("task-events-dlq").size(), 3u);  // the -dlq name reads the same topic

    dropping = false;
    const auto first = env.dead_letters.replay("task-events");
    EXPECT_EQ(first.topic, "task-events-dlq");
    EXPECT_EQ(first.replayed, 3u);
    EXPECT_EQ(first.duplicates, 0u);
    ASSERT_TRUE(received.await("audit", 3));
    EXPECT_EQ(sorted_ids(received.ids("audit")), (std::vector<std::string>{"e1", "e2", "e3"}));
    for (const auto& m : received.of("audit")) EXPECT_EQ(m.key, "user-" + m.id.substr(1));

    // Progress is kept: nothing is sent again, and the listing says what was replayed.
    EXPECT_EQ(env.dead_letters.replay("task-events").replayed, 0u);
    for (const auto& d : env.dead_letters.list("task-events")) EXPECT_TRUE(d.letter.requeued) << d.letter.event_id;

    // A letter written after the replay is the only one the next replay sends, also from a new client.
    dropping = true;
    env.bus->publish(std::vector{message("task-events", "user-4", "e4")});
    letters = env.await_letters("task-events", 4);
    ASSERT_EQ(letters.size(), 4u);
    dropping = false;
    KafkaDeadLetters another(env.options, 5s);
    EXPECT_EQ(another.replay("task-events").replayed, 1u);
    ASSERT_TRUE(received.await("audit", 4));
    EXPECT_EQ(received.ids("audit").back(), "e4");
    EXPECT_EQ(another.replay("task-events").replayed, 0u);

    // Nothing came twice: a replayed record keeps its key, so it would arrive before the same key's sentinel.
    std::vector<Message> sentinels;
    for (int i = 1; i <= 4; ++i)
        sentinels.push_back(message("task-events", "user-" + std::to_string(i), "s" + std::to_string(i)));
    env.bus->publish(sentinels);
    ASSERT_TRUE(received.await("audit", 8));
    env.bus->stop();
    EXPECT_EQ(sorted_ids(received.ids("audit")),
              (std::vector<std::string>{"e1", "e2", "e3", "e4", "s1", "s2", "s3", "s4"}));
}

TEST(KafkaDeadLetters, AnEventTwoGroupsDroppedIsReplayedOnceAndReachesBoth) {
    DeadLetterEnv env;
    std::atomic<bool> dropping{true};
    Received received;
    for (std::string group : {"audit", "notification"})
        env.bus->subscribe("reminders", group, [&, group](const Message& m) {
            if (dropping) return HandlerResult::drop(group + " cannot take it");
            received.add(group, m);
            return HandlerResult::ok();
        });
    env.bus->start();
    env.bus->publish(std::vector{message("reminders", "user-1", "r1")});
    auto letters = env.await_letters("reminders", 2);
    ASSERT_EQ(letters.size(), 2u);
    EXPECT_NE(letters[0].letter.group, letters[1].letter.group);

    dropping = false;
    const auto result = env.dead_letters.replay("reminders");
    EXPECT_EQ(result.replayed, 1u);
    EXPECT_EQ(result.duplicates, 1u);
    ASSERT_TRUE(received.await("audit", 1));
    ASSERT_TRUE(received.await("notification", 1));
    EXPECT_EQ(received.ids("audit"), std::vector<std::string>{"r1"});
    EXPECT_EQ(received.ids("notification"), std::vector<std::string>{"r1"});
    EXPECT_EQ(env.dead_letters.replay("reminders").replayed, 0u);
    env.bus->stop();
}

TEST(KafkaDeadLetters, UnreachableBrokersFailWithTheirAddress) {
    KafkaDeadLetters dead_letters(KafkaOptions{.brokers = "127.0.0.1:1"}, 300ms);
    try {
        dead_letters.list("task-events");
        FAIL() << "listing on unreachable brokers succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
    }
    EXPECT_THROW(KafkaDeadLetters(KafkaOptions{.brokers = ""}, 300ms), std::invalid_argument);
}

}  // namespace
}  // namespace todoai::pubsub
