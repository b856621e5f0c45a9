#include "runtime/pubsub/memory_bus.hpp"

#include <gtest/gtest.h>

#include <future>

#include "runtime/pubsub/bus_contract.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;
using contract::message;
using contract::Received;

/// The memory bus on a fresh bus.db in a temp dir.
struct MemoryBusEnv {
    explicit MemoryBusEnv(RetryPolicy retry)
        : db(store::open_sqlite({.file = dir.path() / "bus.db"})),
          dead_letter_store((db->migrate(DeadLetterStore::migrations()), *db)),
          memory_bus(make_memory_bus(dead_letter_store, clock, retry)) {}

    Bus& bus() { return *memory_bus; }
    std::vector<DeadLetter> dead_letters(std::string_view dlq_topic) { return dead_letter_store.list(dlq_topic); }

    todoai::testing::TempDir dir;
    SystemClock clock;
    std::unique_ptr<store::Database> db;
    DeadLetterStore dead_letter_store;
    std::unique_ptr<Bus> memory_bus;
};

}  // namespace

namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, BusContract, ::testing::Types<MemoryBusEnv>);
}  // namespace contract

namespace {

// Waits (with a deadline) until `dlq_topic` has exactly `n` dead letters.
std::vector<DeadLetter> await_dead_letter_count(MemoryBusEnv& env, std::string_view dlq_topic, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + contract::kDeadline;
    for (;;) {
        auto letters = env.dead_letters(dlq_topic);
        if (letters.size() == n || std::chrono::steady_clock::now() >= deadline) return letters;
        std::this_thread::sleep_for(2ms);
    }
}

TEST(MemoryBus, DeliversBeforePublishReturns) {
    MemoryBusEnv env(contract::fast_retry());
    int seen = 0;
    env.bus().subscribe("orders", "audit", [&](const Message&) {
        ++seen;
        return HandlerResult::ok();
    });
    env.bus().start();
    env.bus().publish(std::vector{message("orders", "u", "e1"), message("orders", "u", "e2")});
    EXPECT_EQ(seen, 2);
    env.bus().stop();
}

TEST(MemoryBus, RequeuedDeadLetterIsRedeliveredToItsGroupOnly) {
    MemoryBusEnv env(contract::fast_retry());
    Received received;
    std::atomic<bool> audit_fixed{false};
    env.bus().subscribe("task-events", "audit", [&](const Message& m) {
        if (!audit_fixed) return HandlerResult::drop("schema mismatch");
        received.add("audit", m);
        return HandlerResult::ok();
    });
    env.bus().subscribe("task-events", "websocket", [&](const Message& m) {
        received.add("websocket", m);
        return HandlerResult::ok();
    });
    env.bus().start();

    env.bus().publish(std::vector{message("task-events", "user-1", "e1", R"({"id":"e1"})")});
    ASSERT_EQ(env.dead_letters("task-events-dlq").size(), 1u);
    ASSERT_EQ(received.of("websocket").size(), 1u);

    audit_fixed = true;
    EXPECT_EQ(env.dead_letter_store.requeue("task-events"), 1u);
    ASSERT_TRUE(received.await("audit", 1));
    const auto replayed = received.of("audit").at(0);
    EXPECT_EQ(replayed.id, "e1");
    EXPECT_EQ(replayed.key, "user-1");
    EXPECT_EQ(replayed.payload, R"({"id":"e1"})");
    EXPECT_TRUE(await_dead_letter_count(env, "task-events-dlq", 0).empty());
    env.bus().stop();                                // no replay can still be running
    EXPECT_EQ(received.of("websocket").size(), 1u);  // the group that succeeded never sees it again
    EXPECT_EQ(received.of("audit").size(), 1u);
}

TEST(MemoryBus, RequeuedDeadLetterIsRedeliveredToABatchGroupAsABatchOfOne) {
    MemoryBusEnv env(contract::fast_retry());
    Received received;
    std::atomic<bool> audit_fixed{false};
    std::mutex mutex;
    std::vector<std::size_t> sizes;
    env.bus().subscribe_batch("task-events", "audit", [&](std::span<const Message> batch) {
        {
            std::lock_guard lock(mutex);
            sizes.push_back(batch.size());
        }
        std::vector<HandlerResult> results;
        for (const auto& m : batch) {
            if (m.id == "e2" && !audit_fixed) {
                results.push_back(HandlerResult::drop("schema mismatch"));
                continue;
            }
            received.add("audit", m);
            results.push_back(HandlerResult::ok());
        }
        return results;
    });
    env.bus().start();

    env.bus().publish(std::vector{message("task-events", "user-1", "e1"),
                                  message("task-events", "user-1", "e2", R"({"id":"e2"})"),
                                  message("task-events", "user-1", "e3")});
    ASSERT_EQ(env.dead_letters("task-events-dlq").size(), 1u);
    EXPECT_EQ(received.ids("audit"), (std::vector<std::string>{"e1", "e3"}));

    audit_fixed = true;
    EXPECT_EQ(env.dead_letter_store.requeue("task-events"), 1u);
    ASSERT_TRUE(received.await("audit", 3));
    const auto replayed = received.of("audit").at(2);
    EXPECT_EQ(replayed.id, "e2");
    EXPECT_EQ(replayed.key, "user-1");
    EXPECT_EQ(replayed.payload, R"({"id":"e2"})");
    EXPECT_TRUE(await_dead_letter_count(env, "task-events-dlq", 0).empty());
    env.bus().stop();
    std::lock_guard lock(mutex);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 1}));
}

TEST(MemoryBus, BatchResultsOfTheWrongSizeRetryTheWholeBatch) {
    MemoryBusEnv env(contract::fast_retry());
    std::vector<std::pair<std::size_t, int>> calls;  // (batch size, attempt)
    env.bus().subscribe_batch("orders", "audit", [&](std::span<const Message> batch) {
        calls.emplace_back(batch.size(), batch.front().attempt);
        if (batch.front().attempt == 1) return std::vector<HandlerResult>{HandlerResult::ok()};  // one for two
        return std::vector<HandlerResult>(batch.size(), HandlerResult::ok());
    });
    int broken_calls = 0;
    env.bus().subscribe_batch("other", "broken", [&](std::span<const Message>) {
        ++broken_calls;
        return std::vector<HandlerResult>{};
    });
    env.bus().start();
    env.bus().publish(std::vector{message("orders", "u", "e1"), message("orders", "u", "e2")});
    EXPECT_EQ(calls, (std::vector<std::pair<std::size_t, int>>{{2, 1}, {2, 2}}));
    EXPECT_TRUE(env.dead_letters("orders-dlq").empty());

    // Always the wrong size: exhausted like RETRY, every message dead-lettered with the reason.
    env.bus().publish(std::vector{message("other", "u", "x1"), message("other", "u", "x2")});
    const auto letters = env.dead_letters("other-dlq");
    ASSERT_EQ(letters.size(), 2u);
    for (const auto& letter : letters) {
        EXPECT_EQ(letter.attempts, contract::fast_retry().max_attempts);
        EXPECT_NE(letter.reason.find("returned 0 result(s) for a batch of 2"), std::string::npos) << letter.reason;
    }
    EXPECT_EQ(broken_calls, contract::fast_retry().max_attempts);
    env.bus().stop();
}

TEST(MemoryBus, GroupsAreServedOneAfterAnotherInSubscriptionOrder) {
    MemoryBusEnv env(contract::fast_retry());
    std::vector<std::string> trace;
    env.bus().subscribe_batch("orders", "websocket", [&](std::span<const Message> batch) {
        for (const auto& m : batch) trace.push_back("websocket:" + m.id);
        return std::vector<HandlerResult>(batch.size(), HandlerResult::ok());
    });
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        trace.push_back("audit:" + m.id);
        return HandlerResult::ok();
    });
    env.bus().start();
    env.bus().publish(std::vector{message("orders", "u", "e1"), message("orders", "u", "e2")});
    EXPECT_EQ(trace, (std::vector<std::string>{"websocket:e1", "websocket:e2", "audit:e1", "audit:e2"}));
    env.bus().stop();
}

TEST(MemoryBus, StopInterruptsABatchBackoffAndThePublishFails) {
    MemoryBusEnv env(RetryPolicy{.max_attempts = 5, .initial_backoff = 60s, .max_backoff = 60s});
    std::promise<void> first_try;
    env.bus().subscribe_batch("orders", "audit", [&](std::span<const Message> batch) {
        if (batch.front().attempt == 1) first_try.set_value();
        return std::vector<HandlerResult>(batch.size(), HandlerResult::retry("busy"));
    });
    env.bus().start();
    auto publishing = std::async(std::launch::async, [&] {
        env.bus().publish(std::vector{message("orders", "u", "e1"), message("orders", "u", "e2")});
    });
    ASSERT_EQ(first_try.get_future().wait_for(contract::kDeadline), std::future_status::ready);
    env.bus().stop();
    ASSERT_EQ(publishing.wait_for(contract::kDeadline), std::future_status::ready);
    EXPECT_THROW(publishing.get(), PublishError);
    EXPECT_TRUE(env.dead_letters("orders-dlq").empty());
}

TEST(MemoryBus, ReplayThatFailsAgainLeavesOneDeadLetterWithTheNewReason) {
    MemoryBusEnv env(contract::fast_retry());
    std::atomic<int> calls{0};
    env.bus().subscribe("task-events", "audit", [&](const Message&) {
        return ++calls == 1 ? HandlerResult::drop("first reason") : HandlerResult::drop("second reason");
    });
    env.bus().start();
    env.bus().publish(std::vector{message("task-events", "user-1", "e1")});
    const auto first = env.dead_letters("task-events-dlq");
    ASSERT_EQ(first.size(), 1u);

    ASSERT_EQ(env.dead_letter_store.requeue("task-events-dlq"), 1u);
    const auto deadline = std::chrono::steady_clock::now() + contract::kDeadline;
    std::vector<DeadLetter> letters;
    do {
        letters = env.dead_letters("task-events-dlq");
        if (letters.size() == 1 && letters[0].id != first[0].id) break;
        std::this_thread::sleep_for(2ms);
    } while (std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_NE(letters[0].id, first[0].id);
    EXPECT_EQ(letters[0].reason, "second reason");
    EXPECT_FALSE(letters[0].requeued);
    EXPECT_EQ(letters[0].group, "audit");
    env.bus().stop();
    EXPECT_EQ(calls.load(), 2);
}

TEST(MemoryBus, PublishWhenStoppedThrowsPublishError) {
    MemoryBusEnv env(contract::fast_retry());
    EXPECT_FALSE(env.bus().ready());
    EXPECT_THROW(env.bus().publish(std::vector{message("orders", "u", "e1")}), PublishError);
    env.bus().start();
    EXPECT_TRUE(env.bus().ready());
    env.bus().stop();
    EXPECT_FALSE(env.bus().ready());
    EXPECT_THROW(env.bus().publish(std::vector{message("orders", "u", "e1")}), PublishError);
}

TEST(MemoryBus, StopInterruptsABackoffAndThePublishFails) {
    MemoryBusEnv env(RetryPolicy{.max_attempts = 5, .initial_backoff = 60s, .max_backoff = 60s});
    std::promise<void> first_try;
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        if (m.attempt == 1) first_try.set_value();
        return HandlerResult::retry("busy");
    });
    env.bus().start();
    auto publishing =
        std::async(std::launch::async, [&] { env.bus().publish(std::vector{message("orders", "u", "e1")}); });
    ASSERT_EQ(first_try.get_future().wait_for(contract::kDeadline), std::future_status::ready);

    const auto started = std::chrono::steady_clock::now();
    env.bus().stop();
    ASSERT_EQ(publishing.wait_for(contract::kDeadline), std::future_status::ready);
    EXPECT_THROW(publishing.get(), PublishError);  // not done for that group: the relay keeps the row
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_TRUE(env.dead_letters("orders-dlq").empty());
}

TEST(MemoryBus, ConcurrentPublishersKeepEachOnesOrder) {
    constexpr int kPublishers = 4;
    constexpr int kEach = 250;
    MemoryBusEnv env(contract::fast_retry());
    std::mutex mutex;
    std::map<std::string, std::vector<int>> by_key;
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        std::lock_guard lock(mutex);
        by_key[m.key].push_back(std::stoi(m.id));
        return HandlerResult::ok();
    });
    env.bus().start();
    std::vector<std::thread> publishers;
    for (int p = 0; p < kPublishers; ++p)
        publishers.emplace_back([&, p] {
            for (int i = 0; i < kEach; i += 10) {
                std::vector<Message> batch;
                for (int j = i; j < i + 10; ++j)
                    batch.push_back(message("orders", "relay-" + std::to_string(p), std::to_string(j)));
                env.bus().publish(batch);
            }
        });
    for (auto& t : publishers) t.join();
    env.bus().stop();

    ASSERT_EQ(by_key.size(), static_cast<std::size_t>(kPublishers));
    for (const auto& [key, seq] : by_key) {
        ASSERT_EQ(seq.size(), static_cast<std::size_t>(kEach)) << key;
        for (int i = 0; i < kEach; ++i) EXPECT_EQ(seq[i], i) << key;
    }
}

}  // namespace
}  // namespace todoai::pubsub
