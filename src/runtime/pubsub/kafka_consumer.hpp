#pragma once
// One consumer group of the Kafka bus: a librdkafka consumer and the thread that feeds its handlers. Offsets are
// committed only up to the first message not yet done (SUCCESS, or dead-lettered after DROP / exhausted RETRY).
// A RETRY pauses that message's partition for the backoff while the group's other partitions keep flowing.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "runtime/pubsub/kafka_bus.hpp"
#include "runtime/pubsub/kafka_handle.hpp"
#include "runtime/pubsub/kafka_producer.hpp"

namespace todoai::pubsub::kafka {

struct GroupSubscription {
    std::string topic;           // as on the brokers (with KafkaOptions::topic_prefix)
    Handler handler;             // a per-message group, or
    BatchHandler batch_handler;  // a batch group (exactly one of the two is set)
};

class GroupConsumer {
  public:
    /// True once the group gave this member its first assignment (possibly empty): until then, nothing it is meant
    /// to consume reaches it (a group's first join takes seconds). Stays true through later rebalances.
    bool assigned() const { return assigned_; }
    GroupConsumer(const KafkaOptions& options,
                  std::string group,
                  std::vector<GroupSubscription> subscriptions,
                  Producer& dead_letters,
                  const Clock& clock);
    ~GroupConsumer();
    GroupConsumer(const GroupConsumer&) = delete;
    GroupConsumer& operator=(const GroupConsumer&) = delete;

    void start();
    /// Returns when no handler runs, what is done is committed and the consumer left its group.
    void stop();

  private:
    std::atomic<bool> assigned_{false};
    using SteadyTime = std::chrono::steady_clock::time_point;
    using PartitionId = std::pair<std::string, std::int32_t>;

    struct Entry {
        Message message;
        std::int64_t offset = 0;
        std::string publish;      // which publish() it came from ("" if another producer wrote it)
        std::size_t index = 0;    // its place among that publish's records of its topic
        std::size_t count = 0;    // how many those are (0: unknown)
        bool done = false;        // SUCCESS, or dead-lettered
        bool alone = false;       // RETRY in a mixed batch: delivered on its own from now on
        std::string dead_letter;  // the reason, once the group gave up (kept until the dead letter is written)
    };

    struct Partition {
        std::string topic;
        std::int32_t id = 0;
        std::deque<Entry> entries;      // delivered to the bus, not yet committed, in offset order
        std::int64_t next_offset = -1;  // the next offset expected (older ones are refetches)
        std::int64_t committed = -1;
        SteadyTime due{};  // backing off until then (paused)
        bool paused = false;
    };

    void run();
    void poll(std::chrono::milliseconds timeout);
    void accept(const rd_kafka_message_t* record);
    std::chrono::milliseconds poll_timeout() const;
    void resume_due();
    void deliver(const GroupSubscription& sub);
    /// Delivers `partition`'s entries one by one from the first not done; stops at a backoff (per-message groups,
    /// and a batch group's entries marked alone).
    void deliver_singles(const GroupSubscription& sub, Partition& partition, bool alone_only);
    /// One batch of `sub.topic`'s ready entries, one publish at most; false if there was none.
    bool deliver_batch(const GroupSubscription& sub);
    HandlerResult call_one(const GroupSubscription& sub, const Message& message);
    /// A RETRY past max_attempts, unless its cause is transient (the handler's store or callee is down).
    bool exhausted(const Message& message, const HandlerResult& result) const;
    void give_up(Partition& partition, Entry& entry, std::string reason);
    bool write_dead_letter(Entry& entry);
    void back_off(Partition& partition, std::chrono::milliseconds delay);
    bool ready(const Partition& partition) const;
    void commit_done(bool synchronously);

    static void on_rebalance(rd_kafka_t* rk,
                             rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions,
                             void* opaque);
    void revoke(rd_kafka_topic_partition_list_t* partitions);

    std::chrono::milliseconds backoff_after(int attempt) const;

    std::string group_;
    std::string topic_prefix_;                      // of every topic on the brokers (KafkaOptions::topic_prefix)
    std::vector<GroupSubscription> subscriptions_;  // topics as on the brokers
    Producer& dead_letters_;
    const Clock& clock_;
    RetryPolicy retry_;
    Handle handle_;
    std::map<PartitionId, Partition> partitions_;  // touched by the consumer thread only
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace todoai::pubsub::kafka
