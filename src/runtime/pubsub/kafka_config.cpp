#include "runtime/pubsub/kafka_config.hpp"

#include <stdexcept>
#include <string>

#include "runtime/log/log.hpp"

namespace todoai::pubsub::kafka {
namespace {

// A broker that comes back should be reached within a second, not after librdkafka's default 10 s backoff.
constexpr const char* kReconnectBackoffMaxMs = "1000";
// A crashed member's partitions move after this long (Kafka's smallest default group.min.session.timeout.ms), not
// after librdkafka's 45 s; heartbeats come from librdkafka's own thread, so a slow handler does not count. The mock
// cluster also waits this long (less a second) before a group that lost its last member takes a new one.
constexpr const char* kSessionTimeoutMs = "6000";
constexpr const char* kHeartbeatIntervalMs = "1000";
// How often the producer reports broker states and its producer id (ready() and the warm-up read them).
constexpr const char* kStatisticsIntervalMs = "200";

void set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK)
        throw std::invalid_argument(std::string("kafka: ") + name + ": " + error);
}

std::string security_protocol(const KafkaOptions& o) {
    if (o.auth_type == "password") return o.disable_tls ? "sasl_plaintext" : "sasl_ssl";
    if (o.auth_type == "mtls") return "ssl";
    return o.disable_tls ? "plaintext" : "ssl";
}

Config common_config(const KafkaOptions& o) {
    validate(o);
    Config conf(rd_kafka_conf_new());
    set(conf.get(), "bootstrap.servers", o.brokers);
    set(conf.get(), "client.id", o.client_id);
    set(conf.get(), "security.protocol", security_protocol(o));
    if (o.auth_type == "password") {
        set(conf.get(), "sasl.mechanisms", o.sasl_mechanism);
        set(conf.get(), "sasl.username", o.sasl_username);
        set(conf.get(), "sasl.password", o.sasl_password);
    }
    if (!o.ca_file.empty()) set(conf.get(), "ssl.ca.location", o.ca_file);
    if (o.auth_type == "mtls") {
        set(conf.get(), "ssl.certificate.location", o.cert_file);
        set(conf.get(), "ssl.key.location", o.key_file);
    }
    set(conf.get(), "reconnect.backoff.max.ms", kReconnectBackoffMaxMs);
    rd_kafka_conf_set_log_cb(conf.get(), forward_log);
    return conf;
}

}  // namespace

void forward_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    auto text = std::string("kafka ") + rd_kafka_name(rk) + " " + facility + ": " + message;
    if (level <= 3)
        log::error(text);
    else if (level <= 5)
        log::warn(text);
    else
        log::debug(text);
}

void validate(const KafkaOptions& o) {
    auto bad = [](const std::string& why) { throw std::invalid_argument("kafka: " + why); };
    if (o.brokers.empty()) bad("brokers is empty (want \"host:port,host:port\")");
    if (o.auth_type != "none" && o.auth_type != "password" && o.auth_type != "mtls")
        bad("authType '" + o.auth_type + "' is not one of none, password, mtls");
    if (o.auth_type == "password") {
        if (o.sasl_mechanism != "PLAIN" && o.sasl_mechanism != "SCRAM-SHA-256" && o.sasl_mechanism != "SCRAM-SHA-512")
            bad("saslMechanism '" + o.sasl_mechanism + "' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
        if (o.sasl_username.empty()) bad("authType password needs a SASL username");
    }
    if (o.auth_type == "mtls") {
        if (o.disable_tls) bad("authType mtls needs TLS (disableTls is true)");
        if (o.cert_file.empty() || o.key_file.empty()) bad("authType mtls needs a client certificate and key file");
    }
    if (o.initial_offset != "oldest" && o.initial_offset != "newest")
        bad("initialOffset '" + o.initial_offset + "' is not one of oldest, newest");
    if (o.publish_timeout.count() <= 0) bad("the publish timeout must be positive");
    if (o.fetch_wait_max.count() < 0 || o.fetch_wait_max.count() > 300000)
        bad("the fetch wait must be 0..300000 ms, not " + std::to_string(o.fetch_wait_max.count()));
    if (o.retry.max_attempts < 1) bad("retry.max_attempts must be at least 1");
    if (o.topic_partitions < 1) bad("topic partitions must be at least 1, not " + std::to_string(o.topic_partitions));
    if (o.topic_replication < 0)
        bad("topic replication must be 0 (automatic: min(3, brokers)) or more, not " +
            std::to_string(o.topic_replication));
}

Config producer_config(const KafkaOptions& o) {
    Config conf = common_config(o);
    set(conf.get(), "enable.idempotence", "true");
    set(conf.get(), "acks", "all");
    // 1, not 0: a relay batch then goes out as a few produce requests instead of one per record (with 0 the live
    // feed's p99 through the mock cluster was 55 ms instead of 14-22, bench/RESULTS.md).
    set(conf.get(), "linger.ms", "1");
    // A message librdkafka could not deliver within the publish timeout fails its delivery report: the caller's
    // outbox keeps the row and re-sends it, so nothing waits in a client queue forever.
    set(conf.get(), "message.timeout.ms", std::to_string(o.publish_timeout.count()));
    set(conf.get(), "statistics.interval.ms", kStatisticsIntervalMs);
    // A topic the bus just created may not be in every broker's metadata yet: hold its records meanwhile.
    set(conf.get(), "topic.metadata.propagation.max.ms", "5000");
    return conf;
}

Config consumer_config(const KafkaOptions& o, std::string_view group) {
    Config conf = reader_config(o, group);
    set(conf.get(), "auto.offset.reset", o.initial_offset == "oldest" ? "earliest" : "latest");
    set(conf.get(), "session.timeout.ms", kSessionTimeoutMs);
    set(conf.get(), "heartbeat.interval.ms", kHeartbeatIntervalMs);
    return conf;
}

Config reader_config(const KafkaOptions& o, std::string_view group) {
    Config conf = common_config(o);
    set(conf.get(), "group.id", std::string(group));
    set(conf.get(), "enable.auto.commit", "false");
    set(conf.get(), "enable.auto.offset.store", "false");
    set(conf.get(), "allow.auto.create.topics", "true");
    set(conf.get(), "fetch.wait.max.ms", std::to_string(o.fetch_wait_max.count()));
    return conf;
}

}  // namespace todoai::pubsub::kafka
