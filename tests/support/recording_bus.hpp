#pragma once
// A Bus double for service tests: it records each subscription, and the test calls the recorded handler as the bus
// would (deliver: a batch handler gets a batch of one; deliver_batch: several messages at once).
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/pubsub/bus.hpp"

namespace todoai::testing {

/// Records each (topic, group, handler). Each topic must have exactly one subscription; a publish is a failure.
class RecordingBus final : public pubsub::Bus {
  public:
    struct Subscription {
        std::string topic;
        std::string group;
        pubsub::Handler handler;             // per message, or
        pubsub::BatchHandler batch_handler;  // batches
    };

    void subscribe(std::string_view topic, std::string_view group, pubsub::Handler handler) override {
        subscriptions.push_back({std::string(topic), std::string(group), std::move(handler), {}});
    }
    void subscribe_batch(std::string_view topic, std::string_view group, pubsub::BatchHandler handler) override {
        subscriptions.push_back({std::string(topic), std::string(group), {}, std::move(handler)});
    }
    void publish(std::span<const pubsub::Message>) override {
        ADD_FAILURE() << "the service under test never publishes";
    }
    void start() override {}
    void stop() override {}
    bool ready() override { return true; }

    /// Hands `payload` to the handler subscribed to `topic` (exactly one must exist).
    pubsub::HandlerResult deliver(std::string_view topic, std::string payload, int attempt = 1) {
        const Subscription* found = find(topic);
        if (found == nullptr) return pubsub::HandlerResult::retry("no subscription");
        pubsub::Message m{.topic = std::string(topic), .key = "", .payload = std::move(payload), .attempt = attempt};
        if (found->handler) return found->handler(m);
        auto results = found->batch_handler(std::span<const pubsub::Message>(&m, 1));
        EXPECT_EQ(results.size(), 1u);
        return results.empty() ? pubsub::HandlerResult::retry("no result") : std::move(results.front());
    }

    /// Hands `payloads` as one batch to the batch handler subscribed to `topic`; one result per payload.
    std::vector<pubsub::HandlerResult> deliver_batch(std::string_view topic, const std::vector<std::string>& payloads) {
        const Subscription* found = find(topic);
        if (found == nullptr || !found->batch_handler) {
            ADD_FAILURE() << "no batch subscription to " << topic;
            return {};
        }
        std::vector<pubsub::Message> batch;
        for (const auto& p : payloads) batch.push_back({.topic = std::string(topic), .key = "", .payload = p});
        auto results = found->batch_handler(batch);
        EXPECT_EQ(results.size(), batch.size());
        return results;
    }

    std::vector<Subscription> subscriptions;

  private:
    const Subscription* find(std::string_view topic) const {
        const Subscription* found = nullptr;
        for (const auto& s : subscriptions) {
            if (s.topic != topic) continue;
            EXPECT_EQ(found, nullptr) << "two subscriptions to " << topic;
            found = &s;
        }
        if (found == nullptr) ADD_FAILURE() << "no subscription to " << topic;
        return found;
    }
};

}  // namespace todoai::testing
