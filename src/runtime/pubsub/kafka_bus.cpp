#include "runtime/pubsub/kafka_bus.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>

#include "runtime/pubsub/kafka_config.hpp"
#include "runtime/pubsub/kafka_consumer.hpp"
#include "runtime/pubsub/kafka_headers.hpp"
#include "runtime/pubsub/kafka_producer.hpp"
#include "runtime/pubsub/kafka_topics.hpp"

namespace todoai::pubsub {
namespace {

// Names this bus's publishes in kPublishHeader, so batch groups can tell one publish() from the next.
std::string random_producer_tag() {
    std::random_device random;
    std::uniform_int_distribution<std::uint64_t> any;
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(any(random)));
    return text;
}

class KafkaBus final : public Bus {
  public:
    KafkaBus(const KafkaOptions& options, const Clock& clock)
        : options_((kafka::validate(options), options)),
          clock_(clock),
          producer_(options_),
          topics_(producer_.handle(), options_.topic_partitions, options_.topic_replication, options_.publish_timeout),
          producer_tag_(random_producer_tag()) {}

    ~KafkaBus() override { stop(); }

    void subscribe(std::string_view topic, std::string_view group, Handler handler) override {
        std::lock_guard lock(mutex_);
        subscriptions_[std::string(group)].push_back({on_brokers(topic), std::move(handler), {}});
    }

    void subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) override {
        std::lock_guard lock(mutex_);
        subscriptions_[std::string(group)].push_back({on_brokers(topic), {}, std::move(handler)});
    }

    void publish(std::span<const Message> batch) override {
        if (stopped_) throw PublishError("kafka: the bus is stopped");
        const auto publish = producer_tag_ + ":" + std::to_string(++publishes_);
        std::vector<kafka::OutgoingRecord> records;
        records.reserve(batch.size());
        std::map<std::string_view, std::size_t> per_topic;  // each record's place among its topic's
        for (const auto& m : batch) ++per_topic[m.topic];
        std::map<std::string_view, std::size_t> placed;
        std::vector<std::string> topics;
        for (const auto& [topic, n] : per_topic) topics.push_back(on_brokers(topic));
        try {
            topics_.ensure(topics);
        } catch (const std::runtime_error& e) {
            throw PublishError(e.what());
        }
        for (const auto& m : batch) {
            kafka::OutgoingRecord record{.topic = on_brokers(m.topic), .key = m.key, .value = m.payload, .headers = {}};
            if (!m.id.empty()) record.headers.emplace_back(kafka::kEventIdHeader, m.id);
            record.headers.emplace_back(kafka::kPublishHeader, publish + ":" + std::to_string(placed[m.topic]++) + ":" +
                                                                   std::to_string(per_topic[m.topic]));
            records.push_back(std::move(record));
        }
        producer_.produce(records);
    }

    void start() override {
        std::lock_guard lock(mutex_);
        if (!consumers_.empty() || stopped_) return;
        // Subscribing to a missing topic would wait for it; dead letters need theirs when a handler gives up.
        std::vector<std::string> topics;
        for (const auto& [group, subs] : subscriptions_)
            for (const auto& sub : subs) {
                topics.push_back(sub.topic);
                topics.push_back(options_.topic_prefix + dead_letter_topic(kafka::unprefixed(sub.topic, options_)));
            }
        topics_.ensure(topics);
        for (auto& [group, subs] : subscriptions_)
            consumers_.push_back(std::make_unique<kafka::GroupConsumer>(options_, group, subs, producer_, clock_));
        for (auto& consumer : consumers_) consumer->start();
    }

    void stop() override {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (auto& consumer : consumers_) consumer->stop();
        consumers_.clear();
    }

    // Ready to publish, and every consumer group has joined: a replica that answered ready before its first
    // assignment would take traffic whose events it cannot see yet (the live feed's first seconds).
    bool ready() override {
        if (stopped_ || !producer_.ready()) return false;
        std::lock_guard lock(mutex_);
        return std::all_of(consumers_.begin(), consumers_.end(), [](const auto& c) { return c->assigned(); });
    }

    bool wait_until_warm(std::chrono::milliseconds timeout) { return producer_.wait_ready(timeout); }

  private:
    std::string on_brokers(std::string_view topic) const { return options_.topic_prefix + std::string(topic); }

    KafkaOptions options_;
    const Clock& clock_;
    kafka::Producer producer_;
    kafka::TopicCreator topics_;
    const std::string producer_tag_;
    std::atomic<std::uint64_t> publishes_{0};
    std::atomic<bool> stopped_{false};

    std::mutex mutex_;
    std::map<std::string, std::vector<kafka::GroupSubscription>> subscriptions_;  // by group
    std::vector<std::unique_ptr<kafka::GroupConsumer>> consumers_;
};

}  // namespace

std::unique_ptr<Bus> make_kafka_bus(const KafkaOptions& options, const Clock& clock) {
    return std::make_unique<KafkaBus>(options, clock);
}

bool wait_until_warm(Bus& bus, std::chrono::milliseconds timeout) {
    if (auto* kafka = dynamic_cast<KafkaBus*>(&bus)) return kafka->wait_until_warm(timeout);
    return bus.ready();
}

}  // namespace todoai::pubsub
