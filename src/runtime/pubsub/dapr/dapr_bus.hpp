#pragma once
// The bus through a Dapr sidecar. Publishing: a batch's messages go to daprd's bulk publish API
// (`POST /v1.0-alpha1/publish/bulk/<pubsub>/<topic>`, one call per run of one topic), each entry our CloudEvent with
// `contentType: application/cloudevents+json` (daprd keeps it: id, type, source, subject, data) and
// `metadata.partitionKey=<key>` (the Kafka key: one user's events keep their order); only a 204 counts as published.
// Without bulk_publish each message is one `POST /v1.0/publish/<pubsub>/<topic>?metadata.partitionKey=<key>`.
// Before the first publish it waits for daprd's `/v1.0/healthz/outbound`. Consuming: daprd asks `GET /dapr/subscribe`
// (subscriptions()) and delivers each event with `POST /events/<topic>` (deliver()), which runs this process's
// handlers for the topic and answers SUCCESS, RETRY or DROP in Dapr's vocabulary. Consumer groups are the sidecar's
// (the component's consumerGroup): one app id, one group; the group names given to subscribe() only label logs.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/dapr/sidecar_client.hpp"
#include "runtime/pubsub/bus.hpp"

namespace todoai::pubsub {

struct DaprBusOptions {
    std::string pubsub_name = "kafka-pubsub";
    /// How long one publish() waits for the sidecar's outbound health before giving up (PublishError: the relay keeps
    /// its rows and tries again).
    std::chrono::milliseconds outbound_wait{2000};
    /// publish() sends a batch's consecutive messages of one topic in one call to daprd's bulk publish API
    /// (`POST /v1.0-alpha1/publish/bulk/<pubsub>/<topic>`, each entry with its partitionKey), up to bulk_limit per
    /// call; false: one `POST /v1.0/publish/...` per message, each waiting for the broker's acknowledgement.
    bool bulk_publish = true;
    std::size_t bulk_limit = 256;
};

/// What the app answers daprd for one delivery.
struct DaprDelivery {
    int status = 200;
    std::string body;  // {"status":"SUCCESS|RETRY|DROP"} or a problem
    Outcome outcome = Outcome::success;
    std::string reason;
};

class DaprBus final : public Bus {
  public:
    DaprBus(dapr::SidecarClient& sidecar, DaprBusOptions options = {});
    ~DaprBus() override;

    void subscribe(std::string_view topic, std::string_view group, Handler handler) override;
    void subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) override;
    /// Publishes in order: in bulk calls (options' bulk_publish) or one call per message. Throws PublishError (nothing
    /// is lost: the relay keeps the rows) when the sidecar is not ready, unreachable, or answers anything but 204.
    void publish(std::span<const Message> batch) override;
    void start() override;
    /// Stops accepting deliveries (they are answered RETRY, so daprd redelivers them later) and waits for running
    /// handlers.
    void stop() override;
    /// The sidecar answers /v1.0/healthz/outbound with 204 (checked again while it did not).
    bool ready() override;

    /// The body of GET /dapr/subscribe: one entry per subscribed topic, route `/events/<topic>`, dead letters to
    /// `<topic>-dlq`.
    std::string subscriptions() const;
    /// True when something in this process subscribed `topic` (a known route: never answered 404, which daprd reads
    /// as DROP).
    bool subscribed(std::string_view topic) const;
    /// Runs every handler subscribed to `topic` on the structured CloudEvent `body` (Kafka key from daprd's `__key`
    /// metadata header when given, else the event's data.user_id). All SUCCESS -> SUCCESS; any RETRY (or exception)
    /// -> RETRY; else DROP. A body that is not a CloudEvent object with an id and a type is a DROP (dead-lettered by
    /// daprd, never applied).
    DaprDelivery deliver(std::string_view topic, std::string_view body, std::string_view key = {});

  private:
    void publish_bulk(std::span<const Message> batch);
    struct Subscriber {
        std::string group;
        Handler handler;
    };
    dapr::SidecarClient& sidecar_;
    DaprBusOptions options_;
    std::map<std::string, std::vector<Subscriber>, std::less<>> subscribers_;  // fixed after start()
    std::atomic<bool> outbound_ready_{false};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable idle_;
    int running_ = 0;  // deliveries in progress, under mutex_
};

}  // namespace todoai::pubsub
