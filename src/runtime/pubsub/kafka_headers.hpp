#pragma once
// The Kafka record headers the bus writes and reads. Dead letters carry the original record's key, payload and the
// bus's own headers (ce_id, todoai_publish) plus the dlq_* ones, so `<topic>-dlq` can be read (and replayed) without
// the bus's help; other clients' headers are not copied.
#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>

namespace todoai::pubsub::kafka {

/// The event id (CloudEvents `id`), so consumers and tools see it without parsing the payload.
inline constexpr const char* kEventIdHeader = "ce_id";
/// "<producer>:<publish seq>:<index>:<count>": which publish() a record came from, its place among that publish's
/// records of its topic, and how many those are. Batch groups get at most one publish per batch, in publish order.
inline constexpr const char* kPublishHeader = "todoai_publish";

inline constexpr const char* kDeadLetterReasonHeader = "dlq_reason";
inline constexpr const char* kDeadLetterTopicHeader = "dlq_original_topic";
inline constexpr const char* kDeadLetterGroupHeader = "dlq_group";
inline constexpr const char* kDeadLetterAttemptsHeader = "dlq_attempts";
inline constexpr const char* kDeadLetterFailedAtHeader = "dlq_failed_at";  // RFC 3339

/// The value of header `name` of `record`, if present (the last one wins).
std::optional<std::string> header(const rd_kafka_message_t* record, const char* name);

/// A parsed kPublishHeader value.
struct PublishPosition {
    std::string publish;  // "<producer>:<seq>": the same for every record of one publish()
    std::size_t index = 0;
    std::size_t count = 0;
};
std::optional<PublishPosition> parse_publish_position(std::string_view value);

}  // namespace todoai::pubsub::kafka
