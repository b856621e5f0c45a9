#include "runtime/pubsub/delivery_metrics.hpp"

#include "core/text.hpp"

namespace todoai::pubsub {
namespace {

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::success:
            return "success";
        case Outcome::retry:
            return "retry";
        case Outcome::drop:
            return "drop";
    }
    return "unknown";
}

}  // namespace

void DeliveryMetrics::count(std::string_view group, std::string_view topic, Outcome outcome, std::uint64_t n) {
    std::lock_guard lock(mutex_);
    counts_[{std::string(group), std::string(topic), outcome}] += n;
}

std::string DeliveryMetrics::render() const {
    std::lock_guard lock(mutex_);
    if (counts_.empty()) return {};
    std::string out =
        "# HELP todoai_events_total Events handed to a consumer group's handler, by its answer.\n"
        "# TYPE todoai_events_total counter\n";
    for (const auto& [key, n] : counts_) {
        const auto& [group, topic, outcome] = key;
        out += "todoai_events_total{group=\"";
        append_prometheus_label(out, group);
        out += "\",topic=\"";
        append_prometheus_label(out, topic);
        out += "\",outcome=\"";
        out += outcome_name(outcome);
        out += "\"} " + std::to_string(n) + "\n";
    }
    return out;
}

void CountingBus::subscribe(std::string_view topic, std::string_view group, Handler handler) {
    bus_.subscribe(topic, group,
                   [this, topic = std::string(topic), group = std::string(group),
                    handler = std::move(handler)](const Message& message) {
                       try {
                           auto result = handler(message);
                           metrics_.count(group, topic, result.outcome);
                           return result;
                       } catch (...) {
                           metrics_.count(group, topic, Outcome::retry);
                           throw;
                       }
                   });
}

void CountingBus::subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) {
    bus_.subscribe_batch(topic, group,
                         [this, topic = std::string(topic), group = std::string(group),
                          handler = std::move(handler)](std::span<const Message> batch) {
                             try {
                                 auto results = handler(batch);
                                 std::uint64_t by_outcome[3] = {};  // one count() per outcome, not per message
                                 for (const auto& result : results) ++by_outcome[static_cast<int>(result.outcome)];
                                 for (const auto outcome : {Outcome::success, Outcome::retry, Outcome::drop})
                                     if (by_outcome[static_cast<int>(outcome)] != 0)
                                         metrics_.count(group, topic, outcome, by_outcome[static_cast<int>(outcome)]);
                                 return results;
                             } catch (...) {
                                 metrics_.count(group, topic, Outcome::retry, batch.size());
                                 throw;
                             }
                         });
}

}  // namespace todoai::pubsub
