#pragma once
// The event bus as services see it: topics of CloudEvents (structured JSON), keyed so one user's events stay in
// order, consumed by groups (one group per service) whose handlers answer SUCCESS, RETRY or DROP (Dapr's
// vocabulary). Drivers: memory_bus (embedded default), kafka_bus and dapr_bus (later). Every driver passes the
// contract suite in tests/runtime/pubsub/bus_contract.hpp.
#include <chrono>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace todoai::pubsub {

enum class Outcome { success, retry, drop };

struct HandlerResult {
    Outcome outcome = Outcome::success;
    std::string reason;  // why RETRY or DROP; kept with the dead letter
    // RETRY because something the handler needs is down (its store, a service it calls), not because of the message.
    // An outage outlasts max_attempts' few hundred milliseconds, and a message dead-lettered for it is lost to this
    // consumer, so a driver that delivers asynchronously (Kafka) keeps retrying it at the capped backoff for as long
    // as it takes. The in-process bus delivers inside publish() and counts it as a RETRY like any other.
    bool transient = false;

    static HandlerResult ok() { return {}; }
    static HandlerResult retry(std::string why) { return {Outcome::retry, std::move(why)}; }
    static HandlerResult drop(std::string why) { return {Outcome::drop, std::move(why)}; }
    static HandlerResult retry_later(std::string why) { return {Outcome::retry, std::move(why), true}; }
};

struct Message {
    std::string topic;
    std::string key;      // partition key: the user id, so one user's events keep their order
    std::string payload;  // a CloudEvent, structured-mode JSON text
    std::string id;       // the event id (logs, dead letters)
    int attempt = 1;      // 1 on first delivery; counts retries
};

/// A consumer. Runs on the bus's delivery thread; must be idempotent (the same message may come again).
/// Exceptions count as RETRY with the exception's text as the reason.
using Handler = std::function<HandlerResult(const Message&)>;

/// A consumer that takes several messages at once, so it can apply them in one transaction (one commit for a batch
/// instead of one per event: what lets consumers keep up with producers). Returns one result per message, in order.
/// If the batch as a whole failed (its transaction did not commit), return RETRY for every message: the bus retries
/// the batch with backoff. A mix is allowed (e.g. DROP for a malformed message, SUCCESS for the rest); messages
/// answered RETRY in a mix are retried one by one after the batch. Exceptions count as RETRY for the whole batch.
using BatchHandler = std::function<std::vector<HandlerResult>(std::span<const Message>)>;

struct RetryPolicy {
    int max_attempts = 5;  // then the message is dead-lettered
    std::chrono::milliseconds initial_backoff{20};
    std::chrono::milliseconds max_backoff{2000};  // doubling from initial_backoff, capped here
};

/// The bus could not take a message (broker down, timeout). The caller keeps it and tries again later.
class PublishError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Bus {
  public:
    virtual ~Bus() = default;

    /// Registers `group`'s handler for `topic`; call before start(). Each group receives every message of the
    /// topic; within a group, messages with the same key arrive in publish order.
    virtual void subscribe(std::string_view topic, std::string_view group, Handler handler) = 0;

    /// Like subscribe(), for a group that applies messages in batches. Per-key order is kept; a batch holds messages
    /// of one topic, in publish order, at most as many as one publish() call.
    virtual void subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) = 0;

    /// Publishes `batch` in order and returns once the bus holds all of it durably. The memory bus delivers to
    /// every subscriber before returning: each answered SUCCESS, or DROP / exhausted RETRY, in which case the
    /// message went to the dead-letter store under "<topic>-dlq". Throws PublishError if it could not.
    virtual void publish(std::span<const Message> batch) = 0;

    virtual void start() = 0;
    /// Stops delivering; returns when no handler is running.
    virtual void stop() = 0;
    /// True while the bus can publish and, once started, every consumer group has joined (readiness).
    virtual bool ready() = 0;
};

/// "<topic>-dlq": where a topic's dead letters go.
inline std::string dead_letter_topic(std::string_view topic) { return std::string(topic) + "-dlq"; }

}  // namespace todoai::pubsub
