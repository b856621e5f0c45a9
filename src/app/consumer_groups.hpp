#pragma once
// Consumer group names on a shared bus (Kafka): a prefix for every group (the component's consumerGroup), and a
// suffix for services whose every replica must see every event (the websocket feed: seed 001's consumerID
// {podName}). Services subscribe with their own name; this decorator renames the group on the way to the bus.
#include <string>

#include "runtime/pubsub/bus.hpp"

namespace todoai::app {

class GroupNamingBus final : public pubsub::Bus {
  public:
    /// Groups become "<prefix>.<group>" (no prefix: "<group>"), then "<...>.<suffix>" when a suffix is given.
    GroupNamingBus(pubsub::Bus& bus, std::string prefix, std::string suffix);

    std::string group_name(std::string_view group) const;

    void subscribe(std::string_view topic, std::string_view group, pubsub::Handler handler) override;
    void subscribe_batch(std::string_view topic, std::string_view group, pubsub::BatchHandler handler) override;
    void publish(std::span<const pubsub::Message> batch) override { bus_.publish(batch); }
    void start() override {}  // the process starts and stops the bus it wraps
    void stop() override {}
    bool ready() override { return bus_.ready(); }

  private:
    pubsub::Bus& bus_;
    std::string prefix_, suffix_;
};

/// "hostname-pid": unique among replicas on the same or different hosts (a pod's hostname is its name).
std::string default_replica_id();

}  // namespace todoai::app
