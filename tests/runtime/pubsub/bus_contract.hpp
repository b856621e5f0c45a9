#pragma once
// The contract every Bus driver passes (memory now; Kafka and Dapr later). A driver test instantiates it with an
// environment type:
//
//   struct MyBusEnv {
//       explicit MyBusEnv(todoai::pubsub::RetryPolicy retry);  // a fresh bus (not started) on fresh topics
//       todoai::pubsub::Bus& bus();
//       /// What the bus dead-lettered under `dlq_topic` ("<topic>-dlq") so far.
//       std::vector<todoai::pubsub::DeadLetter> dead_letters(std::string_view dlq_topic);
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, BusContract, ::testing::Types<MyBusEnv>);
//
// Delivery may be asynchronous (Kafka): the suite waits for what it expects with a deadline, never assumes the
// handler already ran when publish() returns.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"

namespace todoai::pubsub::contract {

using namespace std::chrono_literals;

inline constexpr auto kDeadline = 10s;

/// Short backoffs so retries do not slow the suite; three attempts before a message is dead-lettered.
inline RetryPolicy fast_retry() { return RetryPolicy{.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 4ms}; }

inline Message message(std::string topic, std::string key, std::string id, std::string payload = "{}") {
    return Message{
        .topic = std::move(topic), .key = std::move(key), .payload = std::move(payload), .id = std::move(id)};
}

/// What the handlers saw, per group; thread-safe, and waitable with a deadline.
class Received {
  public:
    void add(const std::string& group, const Message& m) {
        std::lock_guard lock(mutex_);
        by_group_[group].push_back(m);
        changed_.notify_all();
    }
    /// Waits until `group` saw at least `n` deliveries; false at the deadline.
    bool await(const std::string& group, std::size_t n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kDeadline, [&] { return by_group_[group].size() >= n; });
    }
    std::vector<Message> of(const std::string& group) {
        std::lock_guard lock(mutex_);
        return by_group_[group];
    }
    std::vector<std::string> ids(const std::string& group) {
        std::vector<std::string> out;
        for (const auto& m : of(group)) out.push_back(m.id);
        return out;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, std::vector<Message>> by_group_;
};

template <typename Env>
class BusContract : public ::testing::Test {
  protected:
    BusContract() : env_(std::make_unique<Env>(fast_retry())) {}
    ~BusContract() override {
        if (env_) env_->bus().stop();
    }

    Bus& bus() { return env_->bus(); }

    /// A handler that records every delivery to `group` and answers SUCCESS.
    Handler recording(const std::string& group) {
        return [this, group](const Message& m) {
            received_.add(group, m);
            return HandlerResult::ok();
        };
    }

    /// A batch handler that records every message of every batch to `group` and answers SUCCESS for each.
    BatchHandler recording_batch(const std::string& group) {
        return [this, group](std::span<const Message> batch) {
            for (const auto& m : batch) received_.add(group, m);
            return std::vector<HandlerResult>(batch.size(), HandlerResult::ok());
        };
    }

    /// Waits until `dlq_topic` holds at least `n` dead letters; returns them.
    std::vector<DeadLetter> await_dead_letters(std::string_view dlq_topic, std::size_t n) {
        const auto deadline = std::chrono::steady_clock::now() + kDeadline;
        for (;;) {
            auto letters = env_->dead_letters(dlq_topic);
            if (letters.size() >= n || std::chrono::steady_clock::now() >= deadline) return letters;
            std::this_thread::sleep_for(2ms);  // polling a store with a deadline: the condition, not a guess
        }
    }

    std::unique_ptr<Env> env_;
    Received received_;
};

TYPED_TEST_SUITE_P(BusContract);

TYPED_TEST_P(BusContract, EveryGroupGetsEveryMessageOfItsTopic) {
    this->bus().subscribe("orders", "audit", this->recording("audit"));
    this->bus().subscribe("orders", "websocket", this->recording("websocket"));
    this->bus().subscribe("other", "notification", this->recording("notification"));
    this->bus().start();
    // Ready once its consumer groups have joined (at once in process; a Kafka group's first join takes seconds).
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (!this->bus().ready() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(this->bus().ready());

    std::vector<Message> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(message("orders", "user-1", "o" + std::to_string(i)));
    for (int i = 0; i < 5; ++i) batch.push_back(message("other", "user-1", "x" + std::to_string(i)));
    this->bus().publish(batch);

    ASSERT_TRUE(this->received_.await("audit", 20));
    ASSERT_TRUE(this->received_.await("websocket", 20));
    ASSERT_TRUE(this->received_.await("notification", 5));
    std::vector<std::string> orders, other;
    for (int i = 0; i < 20; ++i) orders.push_back("o" + std::to_string(i));
    for (int i = 0; i < 5; ++i) other.push_back("x" + std::to_string(i));
    EXPECT_EQ(this->received_.ids("audit"), orders);
    EXPECT_EQ(this->received_.ids("websocket"), orders);
    EXPECT_EQ(this->received_.ids("notification"), other);
    for (const auto& m : this->received_.of("audit")) {
        EXPECT_EQ(m.topic, "orders");
        EXPECT_EQ(m.key, "user-1");
        EXPECT_EQ(m.payload, "{}");
        EXPECT_EQ(m.attempt, 1);
    }
}

TYPED_TEST_P(BusContract, KeepsPublishOrderPerKeyInEveryGroup) {
    constexpr int kMessages = 1000;
    constexpr int kKeys = 10;
    this->bus().subscribe("orders", "audit", this->recording("audit"));
    this->bus().subscribe("orders", "websocket", this->recording("websocket"));
    this->bus().start();

    std::vector<Message> batch;
    for (int i = 0; i < kMessages; ++i) {
        batch.push_back(message("orders", "user-" + std::to_string(i % kKeys), std::to_string(i)));
        if (batch.size() == 50) {
            this->bus().publish(batch);
            batch.clear();
        }
    }

    for (const std::string group : {"audit", "websocket"}) {
        ASSERT_TRUE(this->received_.await(group, kMessages)) << group;
        const auto seen = this->received_.of(group);
        EXPECT_EQ(seen.size(), static_cast<std::size_t>(kMessages)) << group;
        std::map<std::string, int> last;
        for (const auto& m : seen) {
            const int n = std::stoi(m.id);
            EXPECT_EQ(m.key, "user-" + std::to_string(n % kKeys));
            auto [it, first] = last.emplace(m.key, n);
            if (!first) {
                EXPECT_GT(n, it->second) << group << ": " << m.key << " out of order";
                it->second = n;
            }
        }
        EXPECT_EQ(last.size(), static_cast<std::size_t>(kKeys));
    }
}

TYPED_TEST_P(BusContract, RetryThenSuccessIsDeliveredOnceMore) {
    std::mutex mutex;
    std::vector<int> attempts;
    this->bus().subscribe("orders", "audit", [&](const Message& m) {
        std::lock_guard lock(mutex);
        attempts.push_back(m.attempt);
        if (m.attempt == 1) return HandlerResult::retry("database busy");
        this->received_.add("audit", m);
        return HandlerResult::ok();
    });
    this->bus().subscribe("orders", "websocket", this->recording("websocket"));
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "e1")});

    ASSERT_TRUE(this->received_.await("audit", 1));
    ASSERT_TRUE(this->received_.await("websocket", 1));
    {
        std::lock_guard lock(mutex);
        EXPECT_EQ(attempts, (std::vector<int>{1, 2}));
    }
    EXPECT_EQ(this->received_.of("audit").at(0).attempt, 2);
    EXPECT_EQ(this->received_.ids("websocket"), std::vector<std::string>{"e1"});  // the other group: once
    EXPECT_TRUE(this->env_->dead_letters("orders-dlq").empty());
}

TYPED_TEST_P(BusContract, DropDeadLettersWithReasonAndDeliversWhatFollows) {
    this->bus().subscribe("orders", "audit", [this](const Message& m) {
        if (m.id == "bad") return HandlerResult::drop("not a CloudEvent: missing 'type'");
        this->received_.add("audit", m);
        return HandlerResult::ok();
    });
    this->bus().subscribe("orders", "websocket", this->recording("websocket"));
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "first"), message("orders", "user-1", "bad", "{oops"),
                                    message("orders", "user-1", "after")});

    ASSERT_TRUE(this->received_.await("audit", 2));
    EXPECT_EQ(this->received_.ids("audit"), (std::vector<std::string>{"first", "after"}));
    ASSERT_TRUE(this->received_.await("websocket", 3));  // a drop in one group does not touch another
    const auto letters = this->await_dead_letters("orders-dlq", 1);
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].topic, "orders-dlq");
    EXPECT_EQ(letters[0].original_topic, "orders");
    EXPECT_EQ(letters[0].group, "audit");
    EXPECT_EQ(letters[0].key, "user-1");
    EXPECT_EQ(letters[0].event_id, "bad");
    EXPECT_EQ(letters[0].payload, "{oops");
    EXPECT_NE(letters[0].reason.find("missing 'type'"), std::string::npos) << letters[0].reason;
    EXPECT_EQ(letters[0].attempts, 1);
}

TYPED_TEST_P(BusContract, ExhaustedRetriesDeadLetterWithAttemptsEqualToMax) {
    std::atomic<int> calls{0};
    this->bus().subscribe("orders", "audit", [&](const Message& m) {
        if (m.id == "stuck") {
            ++calls;
            return HandlerResult::retry("downstream unavailable");
        }
        this->received_.add("audit", m);
        return HandlerResult::ok();
    });
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "stuck"), message("orders", "user-1", "after")});

    ASSERT_TRUE(this->received_.await("audit", 1));
    EXPECT_EQ(this->received_.ids("audit"), std::vector<std::string>{"after"});
    const auto letters = this->await_dead_letters("orders-dlq", 1);
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].event_id, "stuck");
    EXPECT_EQ(letters[0].attempts, fast_retry().max_attempts);
    EXPECT_NE(letters[0].reason.find("downstream unavailable"), std::string::npos) << letters[0].reason;
    EXPECT_EQ(calls.load(), fast_retry().max_attempts);
}

TYPED_TEST_P(BusContract, HandlerExceptionCountsAsRetry) {
    this->bus().subscribe("orders", "audit", [this](const Message& m) -> HandlerResult {
        if (m.id == "flaky" && m.attempt == 1) throw std::runtime_error("connection reset");
        if (m.id == "broken") throw std::runtime_error("invariant violated");
        this->received_.add("audit", m);
        return HandlerResult::ok();
    });
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "flaky"), message("orders", "user-1", "broken"),
                                    message("orders", "user-1", "after")});

    ASSERT_TRUE(this->received_.await("audit", 2));
    const auto seen = this->received_.of("audit");
    EXPECT_EQ(seen.at(0).id, "flaky");
    EXPECT_EQ(seen.at(0).attempt, 2);
    EXPECT_EQ(seen.at(1).id, "after");
    const auto letters = this->await_dead_letters("orders-dlq", 1);
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].event_id, "broken");
    EXPECT_EQ(letters[0].attempts, fast_retry().max_attempts);
    EXPECT_NE(letters[0].reason.find("invariant violated"), std::string::npos) << letters[0].reason;
}

TYPED_TEST_P(BusContract, PublishToATopicWithoutSubscribersIsFine) {
    this->bus().subscribe("orders", "audit", this->recording("audit"));
    this->bus().start();

    EXPECT_NO_THROW(this->bus().publish(std::vector{message("nobody-listens", "user-1", "lost-in-space")}));
    this->bus().publish(std::vector{message("orders", "user-1", "heard")});

    ASSERT_TRUE(this->received_.await("audit", 1));
    EXPECT_EQ(this->received_.ids("audit"), std::vector<std::string>{"heard"});
    EXPECT_TRUE(this->env_->dead_letters("nobody-listens-dlq").empty());
}

/// The calls a batch handler got: each call's (id, attempt) pairs. Thread-safe.
class BatchCalls {
  public:
    using Call = std::vector<std::pair<std::string, int>>;
    void add(std::span<const Message> batch) {
        Call call;
        for (const auto& m : batch) call.emplace_back(m.id, m.attempt);
        std::lock_guard lock(mutex_);
        calls_.push_back(std::move(call));
    }
    std::vector<Call> all() {
        std::lock_guard lock(mutex_);
        return calls_;
    }

  private:
    std::mutex mutex_;
    std::vector<Call> calls_;
};

TYPED_TEST_P(BusContract, BatchGroupGetsEveryMessageOnceInPublishOrderPerKey) {
    constexpr int kMessages = 1000;
    constexpr int kKeys = 10;
    constexpr std::size_t kPublishSize = 50;
    std::mutex mutex;
    std::vector<std::size_t> batch_sizes;
    this->bus().subscribe_batch("orders", "audit", [&](std::span<const Message> batch) {
        {
            std::lock_guard lock(mutex);
            batch_sizes.push_back(batch.size());
        }
        for (const auto& m : batch) {
            EXPECT_EQ(m.topic, "orders");
            EXPECT_EQ(m.attempt, 1);
        }
        return this->recording_batch("audit")(batch);
    });
    this->bus().subscribe("orders", "websocket", this->recording("websocket"));  // per-message groups still work
    this->bus().subscribe_batch("other", "notification", this->recording_batch("notification"));
    this->bus().start();

    std::vector<Message> batch;
    for (int i = 0; i < kMessages; ++i) {
        batch.push_back(message("orders", "user-" + std::to_string(i % kKeys), std::to_string(i)));
        if (i % 100 == 0) batch.push_back(message("other", "user-0", "x" + std::to_string(i)));
        if (batch.size() >= kPublishSize) {
            this->bus().publish(batch);
            batch.clear();
        }
    }
    if (!batch.empty()) this->bus().publish(batch);

    ASSERT_TRUE(this->received_.await("notification", 10));
    for (const std::string group : {"audit", "websocket"}) {
        ASSERT_TRUE(this->received_.await(group, kMessages)) << group;
        const auto seen = this->received_.of(group);
        EXPECT_EQ(seen.size(), static_cast<std::size_t>(kMessages)) << group << ": each message once";
        std::set<std::string> ids;
        std::map<std::string, int> last;
        for (const auto& m : seen) {
            EXPECT_TRUE(ids.insert(m.id).second) << group << ": " << m.id << " twice";
            const int n = std::stoi(m.id);
            EXPECT_EQ(m.key, "user-" + std::to_string(n % kKeys));
            auto [it, first] = last.emplace(m.key, n);
            if (!first) {
                EXPECT_GT(n, it->second) << group << ": " << m.key << " out of order";
                it->second = n;
            }
        }
        EXPECT_EQ(last.size(), static_cast<std::size_t>(kKeys));
    }
    EXPECT_EQ(this->received_.of("notification").size(), 10u);
    std::lock_guard lock(mutex);
    for (const auto size : batch_sizes) {
        EXPECT_GE(size, 1u);
        EXPECT_LE(size, kPublishSize) << "a batch holds at most one publish()";
    }
}

TYPED_TEST_P(BusContract, BatchAllRetryIsRetriedAsAWholeThenSucceeds) {
    BatchCalls calls;
    this->bus().subscribe_batch("orders", "audit", [&](std::span<const Message> batch) {
        calls.add(batch);
        if (batch.front().attempt == 1)
            return std::vector<HandlerResult>(batch.size(), HandlerResult::retry("database busy"));
        return this->recording_batch("audit")(batch);
    });
    this->bus().subscribe("orders", "websocket", this->recording("websocket"));
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "e1"), message("orders", "user-1", "e2"),
                                    message("orders", "user-1", "e3")});

    ASSERT_TRUE(this->received_.await("audit", 3));
    ASSERT_TRUE(this->received_.await("websocket", 3));
    using Call = BatchCalls::Call;
    EXPECT_EQ(calls.all(),
              (std::vector<Call>{Call{{"e1", 1}, {"e2", 1}, {"e3", 1}}, Call{{"e1", 2}, {"e2", 2}, {"e3", 2}}}));
    EXPECT_EQ(this->received_.ids("audit"), (std::vector<std::string>{"e1", "e2", "e3"}));
    EXPECT_EQ(this->received_.ids("websocket"), (std::vector<std::string>{"e1", "e2", "e3"}));  // once each
    EXPECT_TRUE(this->env_->dead_letters("orders-dlq").empty());
}

TYPED_TEST_P(BusContract, BatchDropDeadLettersOnlyThatMessage) {
    BatchCalls calls;
    this->bus().subscribe_batch("orders", "audit", [&](std::span<const Message> batch) {
        calls.add(batch);
        std::vector<HandlerResult> results;
        for (const auto& m : batch) {
            if (m.id == "bad") {
                results.push_back(HandlerResult::drop("not a CloudEvent: missing 'type'"));
                continue;
            }
            this->received_.add("audit", m);
            results.push_back(HandlerResult::ok());
        }
        return results;
    });
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "first"), message("orders", "user-1", "bad", "{oops"),
                                    message("orders", "user-1", "after")});

    ASSERT_TRUE(this->received_.await("audit", 2));
    EXPECT_EQ(this->received_.ids("audit"), (std::vector<std::string>{"first", "after"}));
    const auto letters = this->await_dead_letters("orders-dlq", 1);
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].group, "audit");
    EXPECT_EQ(letters[0].event_id, "bad");
    EXPECT_EQ(letters[0].payload, "{oops");
    EXPECT_EQ(letters[0].attempts, 1);
    EXPECT_NE(letters[0].reason.find("missing 'type'"), std::string::npos) << letters[0].reason;
    using Call = BatchCalls::Call;
    EXPECT_EQ(calls.all(), (std::vector<Call>{Call{{"first", 1}, {"bad", 1}, {"after", 1}}})) << "no retry";
}

TYPED_TEST_P(BusContract, BatchExhaustedRetriesDeadLetterEveryMessage) {
    std::atomic<int> calls{0};
    BatchCalls seen;
    this->bus().subscribe_batch("orders", "audit", [&](std::span<const Message> batch) -> std::vector<HandlerResult> {
        seen.add(batch);
        if (++calls % 2 == 0) throw std::runtime_error("downstream unavailable");  // counts as RETRY for all
        return std::vector<HandlerResult>(batch.size(), HandlerResult::retry("downstream unavailable"));
    });
    this->bus().subscribe("orders", "websocket", this->recording("websocket"));
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "s1"), message("orders", "user-2", "s2"),
                                    message("orders", "user-1", "s3")});

    ASSERT_TRUE(this->received_.await("websocket", 3));  // the other group is not affected
    const auto letters = this->await_dead_letters("orders-dlq", 3);
    ASSERT_EQ(letters.size(), 3u);
    std::vector<std::string> ids;
    for (const auto& letter : letters) {
        ids.push_back(letter.event_id);
        EXPECT_EQ(letter.group, "audit");
        EXPECT_EQ(letter.attempts, fast_retry().max_attempts);
        EXPECT_NE(letter.reason.find("downstream unavailable"), std::string::npos) << letter.reason;
    }
    const auto at = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) - ids.begin(); };
    EXPECT_LT(at("s1"), at("s3")) << "user-1's letters out of order";
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::string>{"s1", "s2", "s3"}));

    // Which messages share a call is the driver's business: one publish may come as one batch (memory bus), one per
    // partition (Kafka, when a partition's records arrive in a later fetch), and partitions whose backoffs end in the
    // same round may be delivered together or apart. What holds for any legal batching: every call is one attempt of
    // each message in it, each message is tried exactly attempts 1..max in that order, and messages that share a key
    // (one partition) and failed together are retried together, never message by message.
    const int attempts = fast_retry().max_attempts;
    const auto all = seen.all();
    std::map<std::string, std::vector<int>> tried;
    for (const auto& call : all) {
        ASSERT_FALSE(call.empty());
        for (const auto& [id, attempt] : call) {
            EXPECT_EQ(attempt, call.front().second) << "one call mixed attempts: " << ::testing::PrintToString(all);
            tried[id].push_back(attempt);
        }
    }
    std::vector<int> one_to_max;
    for (int a = 1; a <= attempts; ++a) one_to_max.push_back(a);
    for (const std::string id : {"s1", "s2", "s3"})
        EXPECT_EQ(tried[id], one_to_max) << id << ": " << ::testing::PrintToString(all);
    const auto together = [](const BatchCalls::Call& call, const std::string& a, const std::string& b) {
        const auto has = [&](const std::string& id) {
            return std::any_of(call.begin(), call.end(), [&](const auto& m) { return m.first == id; });
        };
        return has(a) && has(b);
    };
    const bool first_together = std::any_of(all.begin(), all.end(), [&](const auto& call) {
        return call.front().second == 1 && together(call, "s1", "s3");
    });
    if (first_together) {
        for (const auto& call : all) {
            EXPECT_TRUE(together(call, "s1", "s3") ||
                        std::none_of(call.begin(), call.end(),
                                     [](const auto& m) { return m.first == "s1" || m.first == "s3"; }))
                << "user-1's batch was split on retry: " << ::testing::PrintToString(all);
        }
    }
    EXPECT_EQ(calls.load(), static_cast<int>(all.size()));
    EXPECT_LE(calls.load(), 3 * attempts) << "three messages make at most three batches per attempt";
}

TYPED_TEST_P(BusContract, BatchMixedRetryIsRetriedOneByOneInOrder) {
    BatchCalls calls;
    this->bus().subscribe_batch("orders", "audit", [&](std::span<const Message> batch) {
        calls.add(batch);
        std::vector<HandlerResult> results;
        for (const auto& m : batch) {
            if ((m.id == "b" || m.id == "d") && m.attempt == 1) {
                results.push_back(HandlerResult::retry("row locked"));
                continue;
            }
            this->received_.add("audit", m);
            results.push_back(HandlerResult::ok());
        }
        return results;
    });
    this->bus().start();

    this->bus().publish(std::vector{message("orders", "user-1", "a"), message("orders", "user-1", "b"),
                                    message("orders", "user-1", "c"), message("orders", "user-1", "d")});

    ASSERT_TRUE(this->received_.await("audit", 4));
    EXPECT_EQ(this->received_.ids("audit"), (std::vector<std::string>{"a", "c", "b", "d"}));
    using Call = BatchCalls::Call;
    EXPECT_EQ(calls.all(),
              (std::vector<Call>{Call{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}}, Call{{"b", 2}}, Call{{"d", 2}}}));
    EXPECT_TRUE(this->env_->dead_letters("orders-dlq").empty());
}

REGISTER_TYPED_TEST_SUITE_P(BusContract,
                            EveryGroupGetsEveryMessageOfItsTopic,
                            KeepsPublishOrderPerKeyInEveryGroup,
                            RetryThenSuccessIsDeliveredOnceMore,
                            DropDeadLettersWithReasonAndDeliversWhatFollows,
                            ExhaustedRetriesDeadLetterWithAttemptsEqualToMax,
                            HandlerExceptionCountsAsRetry,
                            PublishToATopicWithoutSubscribersIsFine,
                            BatchGroupGetsEveryMessageOnceInPublishOrderPerKey,
                            BatchAllRetryIsRetriedAsAWholeThenSucceeds,
                            BatchDropDeadLettersOnlyThatMessage,
                            BatchExhaustedRetriesDeadLetterEveryMessage,
                            BatchMixedRetryIsRetriedOneByOneInOrder);

}  // namespace todoai::pubsub::contract
