#pragma once
// The bus's one producer: idempotent, acks=all; produce() returns only when every record's delivery report
// succeeded. Its statistics tell whether a broker is up and the producer id is assigned (warm).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/pubsub/kafka_bus.hpp"
#include "runtime/pubsub/kafka_handle.hpp"

namespace todoai::pubsub::kafka {

struct OutgoingRecord {
    std::string topic;
    std::string key;
    std::string value;
    std::vector<std::pair<std::string, std::string>> headers;
};

class Producer {
  public:
    explicit Producer(const KafkaOptions& options);
    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    /// Produces `records` in order and waits for their delivery reports; throws PublishError naming the topic and
    /// the reason on the first failure or when publish_timeout passes.
    void produce(std::span<const OutgoingRecord> records);

    /// A broker is up and the producer id is assigned.
    bool ready() const { return broker_up_ && warm_ && !fatal_; }
    /// Waits for ready(); false after `timeout`.
    bool wait_ready(std::chrono::milliseconds timeout);
    /// The librdkafka client, for admin requests (topic creation) on the same connections.
    rd_kafka_t* handle() const { return handle_.get(); }

  private:
    struct Deliveries;  // one produce() call's outstanding delivery reports

    static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* record, void* opaque);
    static int on_statistics(rd_kafka_t* rk, char* json, std::size_t length, void* opaque);
    static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
    static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message);
    void read_statistics(std::string_view json);
    void serve_callbacks();

    std::chrono::milliseconds timeout_;
    Handle handle_;
    std::atomic<bool> broker_up_{false};
    std::atomic<bool> warm_{false};
    std::atomic<bool> fatal_{false};
    // Until the producer was first ready, failing connections are what start-up waits through: logged at debug, so
    // brokers that never answer end in the caller's one line naming them, not in a burst of librdkafka's.
    std::atomic<bool> was_ready_{false};
    std::mutex ready_mutex_;
    std::condition_variable ready_changed_;
    std::atomic<bool> stopping_{false};
    std::thread poller_;  // serves delivery reports, statistics and errors
};

}  // namespace todoai::pubsub::kafka
