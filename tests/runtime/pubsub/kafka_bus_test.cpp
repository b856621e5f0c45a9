#include "runtime/pubsub/kafka_bus.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <future>

#include "runtime/pubsub/bus_contract.hpp"
#include "runtime/pubsub/kafka_config.hpp"
#include "runtime/pubsub/kafka_handle.hpp"
#include "runtime/pubsub/kafka_headers.hpp"
#include "support/kafka_mock_process.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;
using contract::message;
using contract::Received;

constexpr int kPartitions = 6;  // todoai-kafka-mock --partitions

KafkaOptions options_for(const testing::KafkaMockProcess& kafka, RetryPolicy retry) {
    return KafkaOptions{.brokers = kafka.bootstrap(), .publish_timeout = 3s, .retry = retry};
}

/// Reads a dead-letter topic from its beginning, outside any group, the way an operator's tool would.
class DeadLetterReader {
  public:
    DeadLetterReader(const KafkaOptions& options, std::string topic) : topic_(std::move(topic)) {
        auto conf = kafka::reader_config(options, "dead-letter-reader");
        char error[512];
        handle_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof error));
        if (!handle_) throw std::runtime_error(error);
        conf.release();
    }

    std::vector<DeadLetter> read() {
        if (!assigned_) assign();
        if (!assigned_) return letters_;
        for (;;) {
            kafka::Record record(rd_kafka_consumer_poll(handle_.get(), 50));
            if (!record) break;
            if (!record->err) letters_.push_back(decode(record.get()));
        }
        // Dead-letter order across partitions is not defined: order by time, then by place in the publish.
        std::stable_sort(letters_.begin(), letters_.end(), [](const DeadLetter& a, const DeadLetter& b) {
            return std::tie(a.failed_at, a.id) < std::tie(b.failed_at, b.id);
        });
        return letters_;
    }

  private:
    // Assigns every partition from the beginning once the topic exists (a metadata request does not create it).
    void assign() {
        const rd_kafka_metadata_t* metadata = nullptr;
        auto* topic = rd_kafka_topic_new(handle_.get(), topic_.c_str(), nullptr);
        const auto err = rd_kafka_metadata(handle_.get(), 0, topic, &metadata, 2000);
        rd_kafka_topic_destroy(topic);
        if (err || metadata->topic_cnt != 1 || metadata->topics[0].err || metadata->topics[0].partition_cnt == 0) {
            if (metadata) rd_kafka_metadata_destroy(metadata);
            return;
        }
        kafka::PartitionList list(rd_kafka_topic_partition_list_new(metadata->topics[0].partition_cnt));
        for (int i = 0; i < metadata->topics[0].partition_cnt; ++i)
            rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), metadata->topics[0].partitions[i].id)
                ->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_metadata_destroy(metadata);
        assigned_ = rd_kafka_assign(handle_.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR;
    }

    DeadLetter decode(const rd_kafka_message_t* record) {
        DeadLetter letter;
        letter.topic = topic_;
        letter.original_topic = kafka::header(record, kafka::kDeadLetterTopicHeader).value_or("");
        letter.group = kafka::header(record, kafka::kDeadLetterGroupHeader).value_or("");
        if (record->key) letter.key.assign(static_cast<const char*>(record->key), record->key_len);
        letter.event_id = kafka::header(record, kafka::kEventIdHeader).value_or("");
        if (record->payload) letter.payload.assign(static_cast<const char*>(record->payload), record->len);
        letter.reason = kafka::header(record, kafka::kDeadLetterReasonHeader).value_or("");
        letter.attempts = std::stoi(kafka::header(record, kafka::kDeadLetterAttemptsHeader).value_or("0"));
        letter.failed_at = kafka::header(record, kafka::kDeadLetterFailedAtHeader).value_or("");
        auto position = kafka::parse_publish_position(kafka::header(record, kafka::kPublishHeader).value_or(""));
        letter.id = position ? static_cast<std::int64_t>(position->index) : 0;
        return letter;
    }

    std::string topic_;
    kafka::Handle handle_;
    bool assigned_ = false;
    std::vector<DeadLetter> letters_;
};

/// A KafkaBus on a fresh mock cluster of its own (so every test has fresh topics and groups), warmed up.
struct KafkaBusEnv {
    explicit KafkaBusEnv(RetryPolicy retry, std::chrono::milliseconds publish_timeout = 3s)
        : options([&] {
              auto o = options_for(kafka, retry);
              o.publish_timeout = publish_timeout;
              return o;
          }()),
          kafka_bus(make_kafka_bus(options, clock)) {
        EXPECT_TRUE(wait_until_warm(*kafka_bus, 10s)) << "the producer did not get warm on " << kafka.bootstrap();
    }

    Bus& bus() { return *kafka_bus; }

    std::vector<DeadLetter> dead_letters(std::string_view dlq_topic) {
        auto [it, added] = readers.try_emplace(std::string(dlq_topic), options, std::string(dlq_topic));
        return it->second.read();
    }

    testing::KafkaMockProcess kafka{
        {"--partitions", std::to_string(kPartitions), "--topics", "orders,task-events,reminders"}};
    SystemClock clock;
    KafkaOptions options;
    std::unique_ptr<Bus> kafka_bus;
    std::map<std::string, DeadLetterReader> readers;
};

}  // namespace

namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Kafka, BusContract, ::testing::Types<KafkaBusEnv>);
}  // namespace contract

namespace {

// Which of `partitions` librdkafka's default partitioner (consistent_random: CRC32 of the key) sends `key` to.
std::int32_t partition_of(const std::string& key, std::int32_t partitions) {
    return rd_kafka_msg_partitioner_consistent_random(nullptr, key.data(), key.size(), partitions, nullptr, nullptr);
}

// A key that lands on another partition than `key`.
std::string key_elsewhere(const std::string& key) {
    for (int i = 0;; ++i) {
        auto other = "user-" + std::to_string(i);
        if (partition_of(other, kPartitions) != partition_of(key, kPartitions)) return other;
    }
}

/// Runs a shell command and returns its stdout.
std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return out;
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    pclose(pipe);
    return out;
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = contract::kDeadline) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);  // polling external state (brokers) with a deadline
    }
    return true;
}

TEST(KafkaBus, CommitsOffsetsOnlyAfterTheHandler) {
    KafkaBusEnv env(RetryPolicy{.max_attempts = 5, .initial_backoff = 60s, .max_backoff = 60s});
    std::promise<void> stuck;
    Received first;
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        if (m.id == "m5") {
            stuck.set_value();
            return HandlerResult::retry("database busy");  // backs off for a minute: m5.. stay uncommitted
        }
        first.add("audit", m);
        return HandlerResult::ok();
    });
    env.bus().start();
    std::vector<Message> batch;
    for (int i = 0; i < 10; ++i) batch.push_back(message("orders", "user-1", "m" + std::to_string(i)));
    env.bus().publish(batch);
    ASSERT_EQ(stuck.get_future().wait_for(contract::kDeadline), std::future_status::ready);
    ASSERT_TRUE(first.await("audit", 5));
    env.bus().stop();  // mid-stream: m5 is backing off, m6..m9 were never handled
    EXPECT_EQ(first.ids("audit"), (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));

    auto again = make_kafka_bus(env.options, env.clock);
    ASSERT_TRUE(wait_until_warm(*again, 10s));
    Received second;
    again->subscribe("orders", "audit", [&](const Message& m) {
        second.add("audit", m);
        return HandlerResult::ok();
    });
    again->start();
    again->publish(std::vector{message("orders", "user-1", "end")});
    ASSERT_TRUE(second.await("audit", 6)) << ::testing::PrintToString(second.ids("audit"));
    EXPECT_EQ(second.ids("audit"), (std::vector<std::string>{"m5", "m6", "m7", "m8", "m9", "end"}));
    for (const auto& m : second.of("audit")) EXPECT_EQ(m.attempt, 1);
    again->stop();
}

TEST(KafkaBus, ARetryingPartitionDoesNotHoldBackAnother) {
    KafkaBusEnv env(RetryPolicy{.max_attempts = 1000, .initial_backoff = 20ms, .max_backoff = 20ms});
    const std::string stuck_key = "user-stuck";
    const std::string other_key = key_elsewhere(stuck_key);
    std::atomic<bool> released{false};
    std::atomic<int> stuck_attempts{0};
    Received received;
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        if (m.key == stuck_key && !released) {
            ++stuck_attempts;
            return HandlerResult::retry("row locked");
        }
        received.add(m.key, m);
        return HandlerResult::ok();
    });
    env.bus().start();
    env.bus().publish(std::vector{message("orders", stuck_key, "s1"), message("orders", stuck_key, "s2")});
    ASSERT_TRUE(eventually([&] { return stuck_attempts >= 2; }));
    std::vector<Message> others;
    for (int i = 0; i < 20; ++i) others.push_back(message("orders", other_key, "o" + std::to_string(i)));
    env.bus().publish(others);

    ASSERT_TRUE(received.await(other_key, 20)) << "the other partition waited for the retrying one";
    EXPECT_TRUE(received.of(stuck_key).empty());
    EXPECT_GE(stuck_attempts.load(), 2);
    released = true;
    ASSERT_TRUE(received.await(stuck_key, 2));
    EXPECT_EQ(received.ids(stuck_key), (std::vector<std::string>{"s1", "s2"}));  // its own order kept
    EXPECT_GE(received.of(stuck_key).at(0).attempt, 2);
    env.bus().stop();
}

// A store outage lasts longer than max_attempts' backoffs; dead-lettering the events delivered meanwhile would lose
// them for the consumer (the cluster fault test stops PostgreSQL for 10 s).
TEST(KafkaBus, ATransientRetryOutlastsMaxAttemptsAndIsNotDeadLettered) {
    KafkaBusEnv env(RetryPolicy{.max_attempts = 2, .initial_backoff = 1ms, .max_backoff = 10ms});
    std::atomic<int> single_attempts{0}, batch_attempts{0};
    Received received;
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        if (++single_attempts <= 8) return HandlerResult::retry_later("store unavailable");
        received.add("single", m);
        return HandlerResult::ok();
    });
    env.bus().subscribe_batch("reminders", "audit", [&](std::span<const Message> batch) {
        if (++batch_attempts <= 8)
            return std::vector<HandlerResult>(batch.size(), HandlerResult::retry_later("store unavailable"));
        for (const auto& m : batch) received.add("batch", m);
        return std::vector<HandlerResult>(batch.size(), HandlerResult::ok());
    });
    env.bus().start();
    env.bus().publish(std::vector{message("orders", "user-1", "o1")});
    env.bus().publish(std::vector{message("reminders", "user-1", "r1")});

    ASSERT_TRUE(received.await("single", 1)) << "attempts: " << single_attempts.load();
    ASSERT_TRUE(received.await("batch", 1)) << "attempts: " << batch_attempts.load();
    EXPECT_GE(received.of("single").at(0).attempt, 9);
    EXPECT_TRUE(env.dead_letters("orders-dlq").empty());
    EXPECT_TRUE(env.dead_letters("reminders-dlq").empty());
    env.bus().stop();
}

TEST(KafkaBus, DropLandsInTheDeadLetterTopicWithItsReason) {
    KafkaBusEnv env(contract::fast_retry());
    Received received;
    env.bus().subscribe("task-events", "audit", [&](const Message& m) {
        if (m.id == "bad") return HandlerResult::drop("not a CloudEvent: missing 'type'");
        received.add("audit", m);
        return HandlerResult::ok();
    });
    env.bus().start();
    env.bus().publish(
        std::vector{message("task-events", "user-7", "bad", "{oops"), message("task-events", "user-7", "good", "{}")});
    ASSERT_TRUE(received.await("audit", 1));  // "good" comes after "bad": the dead letter is already written

    // Read back with kcat, as an operator would: key, payload and the headers the bus wrote.
    const auto out = run("kcat -b " + env.kafka.bootstrap() +
                         " -C -t task-events-dlq -o beginning -e -q -f '%k\\t%s\\t%h\\n' 2>/dev/null");
    EXPECT_NE(out.find("user-7\t{oops\t"), std::string::npos) << out;
    EXPECT_NE(out.find("dlq_reason=not a CloudEvent: missing 'type'"), std::string::npos) << out;
    EXPECT_NE(out.find("dlq_original_topic=task-events"), std::string::npos) << out;
    EXPECT_NE(out.find("dlq_group=audit"), std::string::npos) << out;
    EXPECT_NE(out.find("ce_id=bad"), std::string::npos) << out;
    EXPECT_EQ(out.find("good"), std::string::npos) << out;
    env.bus().stop();
}

TEST(KafkaBus, BrokersDownFailThePublishInTimeAndNothingIsLostWhenTheyReturn) {
    KafkaBusEnv env(contract::fast_retry(), 1500ms);
    Received received;
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        received.add("audit", m);
        return HandlerResult::ok();
    });
    env.bus().start();
    env.bus().publish(std::vector{message("orders", "user-1", "before")});
    ASSERT_TRUE(received.await("audit", 1));

    env.kafka.command("all-down");
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(env.bus().publish(std::vector{message("orders", "user-1", "during")}), PublishError);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
    EXPECT_TRUE(eventually([&] { return !env.bus().ready(); })) << "ready() while every broker is down";

    env.kafka.command("all-up");
    ASSERT_TRUE(eventually([&] { return env.bus().ready(); }, 15s));
    // What the outbox relay does: publish the kept row again until the bus takes it.
    ASSERT_TRUE(eventually(
        [&] {
            try {
                env.bus().publish(
                    std::vector{message("orders", "user-1", "during"), message("orders", "user-1", "after")});
                return true;
            } catch (const PublishError&) {
                return false;
            }
        },
        15s));
    ASSERT_TRUE(eventually([&] { return received.ids("audit").size() >= 3; }, 15s));
    auto ids = received.ids("audit");
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());  // a re-send may repeat; consumers are idempotent
    EXPECT_EQ(ids, (std::vector<std::string>{"before", "during", "after"}));
    env.bus().stop();
}

TEST(KafkaBus, KcatReadsWhatTheBusPublished) {
    KafkaBusEnv env(contract::fast_retry());
    env.bus().publish(std::vector{message("reminders", "user-1", "r1", R"({"id":"r1"})"),
                                  message("reminders", "user-2", "r2", R"({"id":"r2"})"),
                                  message("reminders", "user-1", "r3", R"({"id":"r3"})")});
    const auto out =
        run("kcat -b " + env.kafka.bootstrap() + " -C -t reminders -o beginning -e -q -f '%k\\t%s\\n' 2>/dev/null");
    std::vector<std::string> lines;
    std::stringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());  // kcat interleaves partitions
    EXPECT_EQ(lines, (std::vector<std::string>{"user-1\t{\"id\":\"r1\"}", "user-1\t{\"id\":\"r3\"}",
                                               "user-2\t{\"id\":\"r2\"}"}))
        << out;
    const auto user1 = out.find("r1");
    EXPECT_LT(user1, out.find("r3")) << "one user's events in publish order: " << out;
}

TEST(KafkaBus, BadOptionsAreRejectedWithTheReason) {
    SystemClock clock;
    auto bad = [&](auto change) {
        KafkaOptions o{.brokers = "127.0.0.1:9"};
        change(o);
        try {
            make_kafka_bus(o, clock);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(bad([](KafkaOptions& o) { o.auth_type = "kerberos"; }).find("authType 'kerberos'"), std::string::npos);
    EXPECT_NE(bad([](KafkaOptions& o) { o.brokers.clear(); }).find("brokers"), std::string::npos);
    EXPECT_NE(bad([](KafkaOptions& o) { o.initial_offset = "middle"; }).find("initialOffset"), std::string::npos);
    EXPECT_NE(bad([](KafkaOptions& o) {
                  o.auth_type = "password";
                  o.sasl_mechanism = "GSSAPI";
              }).find("saslMechanism"),
              std::string::npos);
    EXPECT_NE(bad([](KafkaOptions& o) { o.auth_type = "mtls"; }).find("mtls"), std::string::npos);
}

TEST(KafkaBus, WarmHopLatency) {
    KafkaBusEnv env(contract::fast_retry());
    std::mutex mutex;
    std::condition_variable arrived;
    std::optional<std::chrono::steady_clock::time_point> seen;
    env.bus().subscribe("orders", "audit", [&](const Message&) {
        std::lock_guard lock(mutex);
        seen = std::chrono::steady_clock::now();
        arrived.notify_all();
        return HandlerResult::ok();
    });
    env.bus().start();
    // One message at a time: from the start of publish() (which waits for acks=all) to the handler.
    auto hop = [&](const std::string& id) -> std::optional<double> {
        {
            std::lock_guard lock(mutex);
            seen.reset();
        }
        const auto sent = std::chrono::steady_clock::now();
        env.bus().publish(std::vector{message("orders", "user-1", id)});
        std::unique_lock lock(mutex);
        if (!arrived.wait_for(lock, contract::kDeadline, [&] { return seen.has_value(); })) return std::nullopt;
        return std::chrono::duration<double, std::milli>(*seen - sent).count();
    };
    ASSERT_TRUE(hop("warm"));  // includes the group's join
    std::vector<double> hops_ms;
    for (int i = 0; i < 100; ++i) {
        auto ms = hop("hop" + std::to_string(i));
        ASSERT_TRUE(ms);
        hops_ms.push_back(*ms);
    }
    std::sort(hops_ms.begin(), hops_ms.end());
    const double p50 = hops_ms[hops_ms.size() / 2], p99 = hops_ms[hops_ms.size() * 99 / 100];
    std::printf("kafka hop (publish -> handler, warm, sequential): p50 %.2f ms, p99 %.2f ms\n", p50, p99);
    EXPECT_LT(p50, 100.0) << "a warm hop should take milliseconds";
    env.bus().stop();
}

}  // namespace
}  // namespace todoai::pubsub

namespace todoai::pubsub {
namespace {

// Readiness waits for the consumer groups: a replica ready before its group joined would take traffic whose events
// it cannot see yet. Once ready, a message reaches the handler without waiting for a join.
TEST(KafkaBusReadiness, ReadyOnlyOnceItsGroupsHaveJoined) {
    KafkaBusEnv env(contract::fast_retry());
    std::atomic<bool> got{false};
    env.bus().subscribe("orders", "websocket-replica-1", [&](const Message&) {
        got = true;
        return HandlerResult::ok();
    });
    ASSERT_TRUE(wait_until_warm(env.bus(), contract::kDeadline));  // the producer alone: ready before start()
    env.bus().start();
    EXPECT_FALSE(env.bus().ready()) << "ready before the group's first assignment (a join takes seconds)";
    const auto deadline = std::chrono::steady_clock::now() + contract::kDeadline;
    while (!env.bus().ready() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(env.bus().ready()) << "the group never joined";

    const auto sent = std::chrono::steady_clock::now();
    env.bus().publish(std::vector{contract::message("orders", "user-1", "m1")});
    while (!got && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(got);
    EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(1000))
        << "a message published once ready still waited for a join";
    env.bus().stop();
}

}  // namespace
}  // namespace todoai::pubsub
