#pragma once
// A Kafka bus's dead letters, for operators (`todoai dlq list|replay <topic>`): the records the consumer groups wrote
// to "<topic>-dlq" (the original record's key, payload and headers plus the dlq_* headers, see kafka_headers.hpp).
//
// Reading joins no consumer group: every partition is assigned and read from its start to the end it had when the
// read began, so a listing neither moves anyone's offsets nor waits for a rebalance.
//
// Replay progress is the committed offset of one fixed consumer group (kDeadLetterReplayGroup) on the -dlq topic,
// committed by the same assign()-only consumer after each replayed chunk was acknowledged. It lives in the brokers
// beside the dead letters, so any host replaying sees it, and a second replay sends only what arrived since. Two
// replays run at the same moment may both send a letter: harmless, consumers are idempotent.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/pubsub/kafka_bus.hpp"

namespace todoai::pubsub {

/// The consumer group whose committed offsets on "<topic>-dlq" mark how far replay got.
inline constexpr std::string_view kDeadLetterReplayGroup = "todoai-dlq-replay";

struct KafkaDeadLetter {
    /// topic ("<original>-dlq"), original_topic, group, key, event_id, payload, reason, attempts, failed_at; id is
    /// unused (a record is named by partition and offset); requeued: already replayed (below the replay offset).
    DeadLetter letter;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    /// The original record's headers, without the dlq_* ones: what a replay sends again.
    std::vector<std::pair<std::string, std::string>> headers;
};

struct ReplayResult {
    std::string topic;           // the -dlq topic replayed
    std::size_t replayed = 0;    // records produced back to their original topics
    std::size_t duplicates = 0;  // letters of an event this replay had already sent to the same topic (another
                                 // group's copy: the one record reaches every group again)
};

class KafkaDeadLetters {
  public:
    /// `timeout` bounds each wait on the brokers (metadata, offsets, a read that stops advancing). Throws
    /// std::invalid_argument with a one-line reason for bad options.
    KafkaDeadLetters(const KafkaOptions& options,
                     std::chrono::milliseconds timeout,
                     std::string replay_group = std::string(kDeadLetterReplayGroup));
    ~KafkaDeadLetters();
    KafkaDeadLetters(const KafkaDeadLetters&) = delete;
    KafkaDeadLetters& operator=(const KafkaDeadLetters&) = delete;

    /// The dead letters of `topic` ("task-events" or "task-events-dlq"), oldest first (failed_at, then partition and
    /// offset). Empty when the -dlq topic does not exist yet. Throws std::runtime_error naming the brokers when they
    /// do not answer within the timeout.
    std::vector<KafkaDeadLetter> list(std::string_view topic);

    /// Produces every dead letter of `topic` not replayed yet back to its original topic (dlq_original_topic; key,
    /// payload and original headers kept), partition by partition in offset order so one key's letters keep their
    /// order, and commits the replay group's offsets after each acknowledged chunk. Throws std::runtime_error
    /// (saying how many were replayed before) when producing or committing fails; what was not committed is sent
    /// again by the next replay.
    ReplayResult replay(std::string_view topic);

  private:
    struct Reader;
    std::vector<KafkaDeadLetter> read(const std::string& dlq_topic, bool from_replay_offset);

    KafkaOptions options_;
    std::chrono::milliseconds timeout_;
    std::string replay_group_;
    std::unique_ptr<Reader> reader_;
};

}  // namespace todoai::pubsub
