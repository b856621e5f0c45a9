#pragma once
// The Kafka driver of Bus (librdkafka): an idempotent producer (acks=all) whose publish() returns only after every
// message's delivery report succeeded, and one consumer per group (a thread each) that commits offsets only after
// the handler answered SUCCESS or DROP; DROP and exhausted retries go to "<topic>-dlq" first. RETRY pauses only the
// message's partition for the backoff: the group's other partitions keep flowing.
//
// Warm-up: a cold idempotent producer holds its first messages ~1 s (metadata + producer id). The producer starts
// warming when the bus is constructed; ready() turns true once it is warm and a broker is up, and
// wait_until_warm() blocks on that. Call it after make_kafka_bus() and before reporting the process ready.
//
// Topics: the bus creates the topics it uses when they are missing (Kafka's admin API, kafka_topics.hpp): at start()
// every subscribed topic and its "<topic>-dlq", and on the first publish() to any other topic; partitions and
// replication factor from the options. A topic the brokers know (or auto-create when asked about it, as librdkafka's
// mock cluster does; it has no CreateTopics) is left as it is. Brokers that refuse (no CREATE permission, a policy)
// are told once in the log and then trusted to have the topics: create them yourself there (README "Distributed").
#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "runtime/pubsub/bus.hpp"

namespace todoai::pubsub {

struct KafkaOptions {
    std::string brokers;  // "host:port,host:port" (the pubsub.kafka component's `brokers`)
    std::string client_id = "todoai";
    std::string auth_type = "none";        // none | password (SASL) | mtls  (`authType`)
    std::string sasl_mechanism = "PLAIN";  // PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512, with auth_type=password
    std::string sasl_username, sasl_password;
    bool disable_tls = true;                   // `disableTls`
    std::string ca_file, cert_file, key_file;  // TLS / mtls
    std::string initial_offset = "oldest";     // oldest | newest: where a group with no committed offset starts
    std::chrono::milliseconds publish_timeout{5000};
    // Consumers' fetch.wait.max.ms: how long a broker may hold a fetch that found no data. A real broker answers as
    // soon as data arrives; librdkafka's mock cluster (and some Kafka-compatible brokers) hold it the full time, which
    // then adds up to this much to a hop. Lower is faster on those, at the cost of more idle fetches (CPU).
    std::chrono::milliseconds fetch_wait_max{10};
    // Prepended to every topic name on the brokers (their -dlq topics too), so several deployments (or test runs)
    // can share one cluster; handlers and dead letters still see the unprefixed names.
    std::string topic_prefix;
    int topic_partitions = 6;   // of the topics the bus creates
    int topic_replication = 0;  // of the topics the bus creates; 0: min(3, brokers in the cluster)
    RetryPolicy retry;
};

/// Throws std::invalid_argument with a one-line reason for a bad option (e.g. unknown auth_type).
std::unique_ptr<Bus> make_kafka_bus(const KafkaOptions& options, const Clock& clock);

/// Waits until the brokers answer a metadata request and the idempotent producer has its producer id (a cold
/// producer holds its first messages ~1 s); false after `timeout`. Callers do this before reporting ready. For a bus
/// that is not a Kafka bus it returns bus.ready() at once.
bool wait_until_warm(Bus& bus, std::chrono::milliseconds timeout);

}  // namespace todoai::pubsub
