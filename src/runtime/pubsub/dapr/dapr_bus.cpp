#include "runtime/pubsub/dapr/dapr_bus.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <variant>

#include "core/cloud_event.hpp"
#include "runtime/log/log.hpp"

namespace todoai::pubsub {
namespace {

namespace json = boost::json;

DaprDelivery answer(Outcome outcome, std::string reason) {
    static constexpr const char* kBodies[] = {R"({"status":"SUCCESS"})", R"({"status":"RETRY"})",
                                              R"({"status":"DROP"})"};
    return {.status = 200, .body = kBodies[static_cast<int>(outcome)], .outcome = outcome, .reason = std::move(reason)};
}

// The partition key when daprd did not pass the Kafka key along: the user the event is about.
std::string user_of(const CloudEvent& event) {
    if (const auto* data = event.data.if_object())
        if (const auto* user = data->if_contains("user_id"); user != nullptr && user->is_string())
            return std::string(user->as_string());
    return {};
}

}  // namespace

DaprBus::DaprBus(dapr::SidecarClient& sidecar, DaprBusOptions options)
    : sidecar_(sidecar), options_(std::move(options)) {}

DaprBus::~DaprBus() = default;

void DaprBus::subscribe(std::string_view topic, std::string_view group, Handler handler) {
    subscribers_[std::string(topic)].push_back({std::string(group), std::move(handler)});
}

void DaprBus::subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) {
    // daprd delivers one event per request (bulk subscribe is not enabled), so a batch handler gets batches of one.
    subscribe(topic, group, [handler = std::move(handler)](const Message& m) {
        auto results = handler(std::span<const Message>(&m, 1));
        if (results.size() != 1) return HandlerResult::retry("the batch handler answered no result");
        return std::move(results.front());
    });
}

void DaprBus::publish(std::span<const Message> batch) {
    if (batch.empty()) return;
    if (!outbound_ready_) {
        if (!sidecar_.wait_outbound(options_.outbound_wait, &stopping_))
            throw PublishError("the Dapr sidecar at " + sidecar_.address() + " is not ready (/v1.0/healthz/outbound)");
        outbound_ready_ = true;
    }
    if (options_.bulk_publish) {
        publish_bulk(batch);
        return;
    }
    for (const auto& m : batch) {
        std::string target =
            "/v1.0/publish/" + dapr::url_encode(options_.pubsub_name) + "/" + dapr::url_encode(m.topic);
        if (!m.key.empty()) target += "?metadata.partitionKey=" + dapr::url_encode(m.key);
        dapr::SidecarResponse res;
        try {
            res = sidecar_.call(http::Method::post, target, m.payload, "application/cloudevents+json");
        } catch (const dapr::SidecarError& e) {
            throw PublishError(std::string("publishing event ") + m.id + " to " + m.topic + ": " + e.what());
        }
        if (res.status != 204)
            throw PublishError("the Dapr sidecar at " + sidecar_.address() + " answered " + std::to_string(res.status) +
                               " publishing event " + m.id + " to " + options_.pubsub_name + "/" + m.topic + ": " +
                               res.body.substr(0, 300));
    }
}

void DaprBus::publish_bulk(std::span<const Message> batch) {
    // Consecutive messages of one topic go in one call, so the order across calls is the batch's order.
    for (std::size_t from = 0; from < batch.size();) {
        std::size_t to = from + 1;
        while (to < batch.size() && to - from < options_.bulk_limit && batch[to].topic == batch[from].topic) ++to;
        // The payload is our CloudEvent's JSON, embedded as is (daprd keeps a structured CloudEvent unchanged).
        std::string body = "[";
        for (std::size_t i = from; i < to; ++i) {
            const auto& m = batch[i];
            if (i > from) body += ',';
            body += R"({"entryId":")" + std::to_string(i - from) + R"(","event":)" + m.payload +
                    R"(,"contentType":"application/cloudevents+json")";
            if (!m.key.empty()) body += R"(,"metadata":{"partitionKey":)" + json::serialize(json::string(m.key)) + "}";
            body += '}';
        }
        body += ']';
        const auto& topic = batch[from].topic;
        const std::string target =
            "/v1.0-alpha1/publish/bulk/" + dapr::url_encode(options_.pubsub_name) + "/" + dapr::url_encode(topic);
        dapr::SidecarResponse res;
        try {
            res = sidecar_.call(http::Method::post, target, body, "application/json");
        } catch (const dapr::SidecarError& e) {
            throw PublishError("publishing " + std::to_string(to - from) + " events (from " + batch[from].id + ") to " +
                               topic + ": " + e.what());
        }
        // 204: every entry published. Anything else (500 with failedEntries): the relay keeps every row of the
        // batch and sends it again; the ones that did go out are absorbed by the consumers' processed markers.
        if (res.status != 204)
            throw PublishError("the Dapr sidecar at " + sidecar_.address() + " answered " + std::to_string(res.status) +
                               " to a bulk publish of " + std::to_string(to - from) + " events (from " +
                               batch[from].id + ") to " + options_.pubsub_name + "/" + topic + ": " +
                               res.body.substr(0, 300));
        from = to;
    }
}

void DaprBus::start() { stopping_ = false; }

void DaprBus::stop() {
    stopping_ = true;
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return running_ == 0; });
}

bool DaprBus::ready() {
    if (outbound_ready_) return true;
    if (sidecar_.wait_outbound(std::chrono::milliseconds(0))) outbound_ready_ = true;
    return outbound_ready_;
}

std::string DaprBus::subscriptions() const {
    json::array out;
    for (const auto& [topic, subscribers] : subscribers_) {
        out.push_back(json::object{{"pubsubname", options_.pubsub_name},
                                   {"topic", topic},
                                   {"route", "/events/" + topic},
                                   {"deadLetterTopic", dead_letter_topic(topic)},
                                   {"metadata", json::object{}}});
    }
    return json::serialize(out);
}

bool DaprBus::subscribed(std::string_view topic) const { return subscribers_.find(topic) != subscribers_.end(); }

DaprDelivery DaprBus::deliver(std::string_view topic, std::string_view body, std::string_view key) {
    const auto found = subscribers_.find(topic);
    if (found == subscribers_.end()) return answer(Outcome::drop, "nothing here subscribes to " + std::string(topic));
    auto parsed = parse_cloud_event(body);
    if (const auto* why = std::get_if<std::string>(&parsed))
        return answer(Outcome::drop, "a malformed CloudEvent on " + std::string(topic) + ": " + *why);
    const auto& event = std::get<CloudEvent>(parsed);

    {
        std::lock_guard lock(mutex_);
        if (stopping_) return answer(Outcome::retry, "stopping");
        ++running_;
    }
    Message message{.topic = std::string(topic),
                    .key = key.empty() ? user_of(event) : std::string(key),
                    .payload = std::string(body),
                    .id = event.id};
    Outcome outcome = Outcome::success;
    std::string reason;
    for (const auto& subscriber : found->second) {
        HandlerResult result;
        try {
            result = subscriber.handler(message);
        } catch (const std::exception& e) {
            result = HandlerResult::retry(e.what());
        }
        if (result.outcome == Outcome::success) continue;
        log::warn(std::string(result.outcome == Outcome::retry ? "RETRY" : "DROP") + " of event " + event.id + " on " +
                  std::string(topic) + " by " + subscriber.group + ": " + result.reason);
        // RETRY wins over DROP: a group that failed transiently must see the event again (the others are idempotent).
        if (outcome != Outcome::retry) {
            outcome = result.outcome;
            reason = result.reason;
        }
    }
    {
        std::lock_guard lock(mutex_);
        --running_;
    }
    idle_.notify_all();
    return answer(outcome, std::move(reason));
}

}  // namespace todoai::pubsub
