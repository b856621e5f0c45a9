#include "runtime/pubsub/kafka_bus.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <random>
#include <sstream>

#include "runtime/pubsub/bus_contract.hpp"
#include "runtime/pubsub/kafka_config.hpp"
#include "runtime/pubsub/kafka_handle.hpp"
#include "runtime/pubsub/kafka_headers.hpp"
#include "runtime/pubsub/kafka_topics.hpp"
#include "support/kafka_mock_process.hpp"
#include "support/test_paths.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;
using contract::message;
using contract::Received;

constexpr int kPartitions = 6;  // todoai-kafka-mock --partitions, and what the bus creates on the real broker

/// A fresh mock cluster per test (fast, fault commands on its stdin): fresh topics and groups come with it.
struct MockBrokers {
    std::string bootstrap() const { return mock.bootstrap(); }
    std::string prefix() const { return ""; }
    void command(const std::string& line) { mock.command(line); }
    testing::KafkaMockProcess mock{
        {"--partitions", std::to_string(kPartitions), "--topics", "orders,task-events,reminders"}};
};

/// ctest's Apache Kafka broker (the `kafka` fixture), shared by every test: each test gets topics and consumer
/// groups of its own under a random prefix, which the bus creates (the broker auto-creates nothing).
struct RealBroker {
    std::string bootstrap() const { return address; }
    std::string prefix() const { return namespace_; }
    std::string address = testing::kafka_test_bootstrap();
    std::string namespace_ = [] {
        std::random_device random;
        return "t" + std::to_string(::getpid()) + "-" + std::to_string(random() % 1000000000) + ".";
    }();
};

/// The bus under test with every consumer group renamed "<prefix><group>", so tests sharing a broker (ctest runs
/// several at once) never share a group.
class GroupPrefixBus final : public Bus {
  public:
    GroupPrefixBus(std::unique_ptr<Bus> bus, std::string prefix) : bus_(std::move(bus)), prefix_(std::move(prefix)) {}
    void subscribe(std::string_view topic, std::string_view group, Handler handler) override {
        bus_->subscribe(topic, prefix_ + std::string(group), std::move(handler));
    }
    void subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) override {
        bus_->subscribe_batch(topic, prefix_ + std::string(group), std::move(handler));
    }
    void publish(std::span<const Message> batch) override { bus_->publish(batch); }
    void start() override { bus_->start(); }
    void stop() override { bus_->stop(); }
    bool ready() override { return bus_->ready(); }
    Bus& inner() { return *bus_; }

  private:
    std::unique_ptr<Bus> bus_;
    std::string prefix_;
};

/// Reads a dead-letter topic from its beginning, outside any group, the way an operator's tool would.
class DeadLetterReader {
  public:
    DeadLetterReader(const KafkaOptions& options, std::string topic)
        : topic_(std::move(topic)), on_broker_(options.topic_prefix + topic_), prefix_(options.topic_prefix) {
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
        auto* topic = rd_kafka_topic_new(handle_.get(), on_broker_.c_str(), nullptr);
        const auto err = rd_kafka_metadata(handle_.get(), 0, topic, &metadata, 2000);
        rd_kafka_topic_destroy(topic);
        if (err || metadata->topic_cnt != 1 || metadata->topics[0].err || metadata->topics[0].partition_cnt == 0) {
            if (metadata) rd_kafka_metadata_destroy(metadata);
            return;
        }
        kafka::PartitionList list(rd_kafka_topic_partition_list_new(metadata->topics[0].partition_cnt));
        for (int i = 0; i < metadata->topics[0].partition_cnt; ++i)
            rd_kafka_topic_partition_list_add(list.get(), on_broker_.c_str(), metadata->topics[0].partitions[i].id)
                ->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_metadata_destroy(metadata);
        assigned_ = rd_kafka_assign(handle_.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR;
    }

    DeadLetter decode(const rd_kafka_message_t* record) {
        DeadLetter letter;
        letter.topic = topic_;
        letter.original_topic = kafka::header(record, kafka::kDeadLetterTopicHeader).value_or("");
        letter.group = kafka::header(record, kafka::kDeadLetterGroupHeader).value_or("");
        if (letter.group.starts_with(prefix_)) letter.group.erase(0, prefix_.size());  // GroupPrefixBus's
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

    std::string topic_;      // as the bus's users name it
    std::string on_broker_;  // with the options' topic prefix
    std::string prefix_;
    kafka::Handle handle_;
    bool assigned_ = false;
    std::vector<DeadLetter> letters_;
};

/// A KafkaBus on fresh topics and groups of `Brokers` (MockBrokers or RealBroker), warmed up.
template <typename Brokers>
struct KafkaEnv {
    explicit KafkaEnv(RetryPolicy retry, std::chrono::milliseconds publish_timeout = 3s)
        : options(KafkaOptions{.brokers = kafka.bootstrap(),
                               .publish_timeout = publish_timeout,
                               .topic_prefix = kafka.prefix(),
                               .retry = retry}),
          kafka_bus(std::make_unique<GroupPrefixBus>(make_kafka_bus(options, clock), kafka.prefix())) {
        EXPECT_TRUE(wait_until_warm(kafka_bus->inner(), 10s))
            << "the producer did not get warm on " << kafka.bootstrap();
    }

    Bus& bus() { return *kafka_bus; }
    /// A second bus on the same topics and groups (e.g. a restarted process).
    std::unique_ptr<Bus> another_bus() {
        return std::make_unique<GroupPrefixBus>(make_kafka_bus(options, clock), kafka.prefix());
    }

    std::vector<DeadLetter> dead_letters(std::string_view dlq_topic) {
        auto [it, added] = readers.try_emplace(std::string(dlq_topic), options, std::string(dlq_topic));
        return it->second.read();
    }

    Brokers kafka;
    SystemClock clock;
    KafkaOptions options;
    std::unique_ptr<GroupPrefixBus> kafka_bus;
    std::map<std::string, DeadLetterReader> readers;
};

using KafkaBusEnv = KafkaEnv<MockBrokers>;
using KafkaBrokerEnv = KafkaEnv<RealBroker>;

}  // namespace

namespace contract {
// The same contract on librdkafka's mock cluster (a fresh one per test) and on a real Apache Kafka broker.
INSTANTIATE_TYPED_TEST_SUITE_P(Kafka, BusContract, ::testing::Types<KafkaBusEnv>);
INSTANTIATE_TYPED_TEST_SUITE_P(KafkaBroker, BusContract, ::testing::Types<KafkaBrokerEnv>);
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

    auto again = env.another_bus();
    ASSERT_TRUE(wait_until_warm(static_cast<GroupPrefixBus&>(*again).inner(), 10s));
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
    ASSERT_TRUE(
        wait_until_warm(env.kafka_bus->inner(), contract::kDeadline));  // the producer alone: ready before start()
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

// --- On the real broker only: topic creation and SASL ---------------------------------------------------------------

namespace todoai::pubsub {
namespace {

/// kcat -L of `topic` on `bootstrap`: its partition count, or -1 when the broker does not know it.
int partitions_on_broker(const std::string& bootstrap, const std::string& topic) {
    const auto out = run("kcat -L -b " + bootstrap + " -t '" + topic + "' 2>&1");
    const auto at = out.find("topic \"" + topic + "\" with ");
    if (at == std::string::npos || out.find("Broker: Unknown topic", at) != std::string::npos) return -1;
    return std::stoi(out.substr(at + topic.size() + 14));
}

// The test broker has auto.create.topics.enable=false: every topic the bus uses exists because the bus made it.
TEST(KafkaBrokerTopics, TheBusCreatesItsTopicsAndTheirDeadLetterTopicsWithTheConfiguredPartitions) {
    KafkaBrokerEnv env(contract::fast_retry());
    const auto prefix = env.kafka.prefix();
    const auto bootstrap = env.kafka.bootstrap();
    EXPECT_EQ(partitions_on_broker(bootstrap, prefix + "orders"), -1) << "a fresh prefix's topic already exists";
    Received received;
    env.bus().subscribe("orders", "audit", [&](const Message& m) {
        received.add("audit", m);
        return HandlerResult::ok();
    });
    env.bus().start();
    EXPECT_EQ(partitions_on_broker(bootstrap, prefix + "orders"), kPartitions);
    EXPECT_EQ(partitions_on_broker(bootstrap, prefix + "orders-dlq"), kPartitions);
    env.bus().publish(std::vector{message("orders", "user-1", "o1")});
    ASSERT_TRUE(received.await("audit", 1));
    EXPECT_EQ(received.of("audit").at(0).topic, "orders") << "handlers see the topic without the prefix";

    // A topic nobody subscribes to is created by its first publish; partitions as configured.
    auto options = env.options;
    options.topic_partitions = 3;
    auto other = make_kafka_bus(options, env.clock);
    ASSERT_TRUE(wait_until_warm(*other, 10s));
    other->publish(std::vector{message("audit-log", "user-1", "a1")});
    EXPECT_EQ(partitions_on_broker(bootstrap, prefix + "audit-log"), 3);
    const auto out = run("kcat -b " + bootstrap + " -C -t '" + prefix + "audit-log' -o beginning -e -q -f '%k\\n'");
    EXPECT_EQ(out, "user-1\n");
    other->stop();
    env.bus().stop();
}

TEST(KafkaBrokerTopics, ReplicationIsAtMostTheBrokerCount) {
    EXPECT_EQ(kafka::TopicCreator::replication_for(0, 1), 1);  // one broker: one replica
    EXPECT_EQ(kafka::TopicCreator::replication_for(0, 2), 2);
    EXPECT_EQ(kafka::TopicCreator::replication_for(0, 5), 3);  // a real cluster: three
    EXPECT_EQ(kafka::TopicCreator::replication_for(2, 5), 2);  // as configured
    // More replicas than brokers: the broker's refusal names the topic, and publishing fails (the outbox keeps it).
    KafkaOptions options{.brokers = testing::kafka_test_bootstrap(),
                         .publish_timeout = 3s,
                         .topic_prefix = RealBroker{}.prefix(),
                         .topic_replication = 3};
    SystemClock clock;
    auto bus = make_kafka_bus(options, clock);
    ASSERT_TRUE(wait_until_warm(*bus, 10s));
    try {
        bus->publish(std::vector{message("orders", "user-1", "o1")});
        ADD_FAILURE() << "published to a topic that needs 3 replicas on 1 broker";
    } catch (const PublishError& e) {
        EXPECT_NE(std::string(e.what()).find(options.topic_prefix + "orders"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("replicat"), std::string::npos) << e.what();
    }
    bus->stop();
}

/// The broker's SASL/PLAIN listener (kafka_server.sh's second listener) and its user.
struct SaslAccount {
    std::string bootstrap, user, password;
};
SaslAccount sasl_account() {
    SaslAccount a;
    a.bootstrap = testing::kafka_server_file(testing::kafka_test_dir(), "sasl_bootstrap");
    std::istringstream users(testing::kafka_server_file(testing::kafka_test_dir(), "sasl_users"));
    users >> a.user >> a.password;
    return a;
}

// The notes' authType: password (+ saslUsername/saslPassword/saslMechanism, disableTls: true) on a real broker.
TEST(KafkaBrokerSasl, APlainUserPublishesAndConsumesAndAWrongPasswordNeverGetsReady) {
    const auto account = sasl_account();
    SystemClock clock;
    KafkaOptions options{.brokers = account.bootstrap,
                         .auth_type = "password",
                         .sasl_mechanism = "PLAIN",
                         .sasl_username = account.user,
                         .sasl_password = account.password,
                         .disable_tls = true,
                         .publish_timeout = 3s,
                         .topic_prefix = RealBroker{}.prefix(),
                         .retry = contract::fast_retry()};
    auto bus = make_kafka_bus(options, clock);
    ASSERT_TRUE(wait_until_warm(*bus, 15s)) << "no warm producer through SASL/PLAIN on " << account.bootstrap;
    Received received;
    bus->subscribe("orders", options.topic_prefix + "audit", [&](const Message& m) {
        received.add("audit", m);
        return HandlerResult::ok();
    });
    bus->start();
    bus->publish(std::vector{message("orders", "user-1", "s1"), message("orders", "user-1", "s2")});
    ASSERT_TRUE(received.await("audit", 2));
    EXPECT_EQ(received.ids("audit"), (std::vector<std::string>{"s1", "s2"}));
    bus->stop();

    options.sasl_password = "wrong";
    auto refused = make_kafka_bus(options, clock);
    EXPECT_FALSE(wait_until_warm(*refused, 3s)) << "a wrong SASL password got a producer";
    EXPECT_THROW(refused->publish(std::vector{message("orders", "user-1", "x")}), PublishError);
    // Without SASL on the SASL listener: no producer either.
    options.auth_type = "none";
    auto plain = make_kafka_bus(options, clock);
    EXPECT_FALSE(wait_until_warm(*plain, 2s));
}

}  // namespace
}  // namespace todoai::pubsub
