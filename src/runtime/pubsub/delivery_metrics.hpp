#pragma once
// What consumers answered, for operators: todoai_events_total{group,topic,outcome} in Prometheus text. A rising
// retry or drop count is the first sign of a consumer that cannot keep up or of bad input.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "runtime/pubsub/bus.hpp"

namespace todoai::pubsub {

class DeliveryMetrics {
  public:
    /// Counts `n` messages of `topic` that `group`'s handler answered with `outcome`. Thread-safe.
    void count(std::string_view group, std::string_view topic, Outcome outcome, std::uint64_t n = 1);
    /// Prometheus text exposition (0.0.4), sorted; empty before the first count.
    std::string render() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, Outcome>, std::uint64_t> counts_;
};

/// A Bus that counts what every handler subscribed through it answers (an exception counts as RETRY, as the bus
/// treats it), and passes everything else to the bus it wraps, which the process starts and stops.
class CountingBus final : public Bus {
  public:
    CountingBus(Bus& bus, DeliveryMetrics& metrics) : bus_(bus), metrics_(metrics) {}

    void subscribe(std::string_view topic, std::string_view group, Handler handler) override;
    void subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) override;
    void publish(std::span<const Message> batch) override { bus_.publish(batch); }
    void start() override {}
    void stop() override {}
    bool ready() override { return bus_.ready(); }

  private:
    Bus& bus_;
    DeliveryMetrics& metrics_;
};

}  // namespace todoai::pubsub
