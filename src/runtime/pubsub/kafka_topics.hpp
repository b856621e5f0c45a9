#pragma once
// Creates the Kafka topics a bus uses when they are missing (a metadata request tells; librdkafka's admin API,
// CreateTopics, creates), so todoai runs on brokers with auto.create.topics.enable=false (Kafka's recommended
// production setting) without a set-up step.
// Topics found or created are remembered: a later ensure() of them costs a set look-up.
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/pubsub/kafka_handle.hpp"

namespace todoai::pubsub::kafka {

class TopicCreator {
  public:
    /// `handle`: any client of the cluster (the bus's producer); it must outlive this. `replication` 0 means
    /// min(3, brokers in the cluster): one broker gets 1, a real cluster 3.
    TopicCreator(rd_kafka_t* handle, int partitions, int replication, std::chrono::milliseconds timeout);

    /// Makes sure every one of `topics` exists. Throws std::runtime_error naming the topic and the brokers' answer
    /// when the brokers cannot be reached or refuse for a reason that may pass (the caller retries later). A broker
    /// that cannot create topics (no admin API, not authorised, a policy) is reported once in the log and trusted to
    /// have them (or to auto-create them).
    void ensure(const std::vector<std::string>& topics);

    /// The replication factor used for `brokers` brokers.
    static int replication_for(int configured, int brokers);

  private:
    /// Whether the brokers know `topic` (a metadata request; brokers that auto-create topics create it here).
    bool exists(const std::string& topic, std::chrono::milliseconds timeout);
    int broker_count(std::chrono::milliseconds timeout);

    rd_kafka_t* handle_;
    int partitions_;
    int replication_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;  // one creation at a time; guards known_
    std::set<std::string> known_;
};

}  // namespace todoai::pubsub::kafka
