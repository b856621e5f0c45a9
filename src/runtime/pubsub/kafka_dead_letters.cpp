#include "runtime/pubsub/kafka_dead_letters.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "runtime/pubsub/kafka_config.hpp"
#include "runtime/pubsub/kafka_handle.hpp"
#include "runtime/pubsub/kafka_headers.hpp"
#include "runtime/pubsub/kafka_producer.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;

constexpr auto kPoll = 100ms;
// Records produced (and acknowledged) per commit of the replay offset: a failure re-sends at most this many.
constexpr std::size_t kReplayChunk = 500;
constexpr std::string_view kDlqSuffix = "-dlq";
constexpr std::string_view kDeadLetterHeaderPrefix = "dlq_";

std::string dlq_name(std::string_view topic) {
    return topic.ends_with(kDlqSuffix) ? std::string(topic) : dead_letter_topic(topic);
}

int as_int(const std::string& text) {
    int value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

int milliseconds(std::chrono::milliseconds timeout) { return static_cast<int>(timeout.count()); }

kafka::PartitionList one_partition(const std::string& topic, std::int32_t partition, std::int64_t offset) {
    kafka::PartitionList list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    return list;
}

}  // namespace

struct KafkaDeadLetters::Reader {
    kafka::Handle handle;
};

KafkaDeadLetters::KafkaDeadLetters(const KafkaOptions& options,
                                   std::chrono::milliseconds timeout,
                                   std::string replay_group)
    : options_(options), timeout_(timeout), replay_group_(std::move(replay_group)), reader_(new Reader) {
    // The replay group's id on a consumer that never subscribes: it only stores and reads that group's offsets.
    auto conf = kafka::reader_config(options_, replay_group_);
    char error[512];
    // The end of a partition is also seen when its last offsets hold no record a consumer gets (e.g. compacted).
    if (rd_kafka_conf_set(conf.get(), "enable.partition.eof", "true", error, sizeof error) != RD_KAFKA_CONF_OK)
        throw std::invalid_argument(std::string("kafka: enable.partition.eof: ") + error);
    reader_->handle.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof error));
    if (!reader_->handle)
        throw std::invalid_argument(std::string("kafka: cannot create the dead-letter reader: ") + error);
    conf.release();  // rd_kafka_new took it
}

KafkaDeadLetters::~KafkaDeadLetters() {
    if (reader_ && reader_->handle) rd_kafka_consumer_close(reader_->handle.get());
}

std::vector<KafkaDeadLetter> KafkaDeadLetters::list(std::string_view topic) {
    auto letters = read(options_.topic_prefix + dlq_name(kafka::unprefixed(topic, options_)), false);
    std::stable_sort(letters.begin(), letters.end(), [](const KafkaDeadLetter& a, const KafkaDeadLetter& b) {
        return std::tie(a.letter.failed_at, a.partition, a.offset) <
               std::tie(b.letter.failed_at, b.partition, b.offset);
    });
    return letters;
}

std::vector<KafkaDeadLetter> KafkaDeadLetters::read(const std::string& dlq_topic, bool from_replay_offset) {
    rd_kafka_t* rk = reader_->handle.get();
    const auto unreachable = [&](std::string_view what, rd_kafka_resp_err_t err) {
        return std::runtime_error("Kafka brokers " + options_.brokers + " did not answer " + std::string(what) +
                                  " of '" + dlq_topic + "' within " + std::to_string(timeout_.count()) +
                                  " ms (TODOAI_KAFKA_BROKERS): " + rd_kafka_err2str(err));
    };

    // Which partitions: asking for metadata does not create a missing topic (only producers auto-create).
    std::vector<std::int32_t> partitions;
    {
        const rd_kafka_metadata_t* metadata = nullptr;
        auto* handle = rd_kafka_topic_new(rk, dlq_topic.c_str(), nullptr);
        const auto err = rd_kafka_metadata(rk, 0, handle, &metadata, milliseconds(timeout_));
        rd_kafka_topic_destroy(handle);
        if (err) throw unreachable("a metadata request", err);
        const auto topic_err = metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
        if (!topic_err)
            for (int i = 0; i < metadata->topics[0].partition_cnt; ++i)
                partitions.push_back(metadata->topics[0].partitions[i].id);
        rd_kafka_metadata_destroy(metadata);
        if (topic_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || topic_err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
            return {};  // nothing was ever dead-lettered there
        if (topic_err)
            throw std::runtime_error("kafka: cannot read '" + dlq_topic + "': " + rd_kafka_err2str(topic_err));
    }

    kafka::PartitionList committed(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (auto p : partitions) rd_kafka_topic_partition_list_add(committed.get(), dlq_topic.c_str(), p);
    if (auto err = rd_kafka_committed(rk, committed.get(), milliseconds(timeout_)))
        throw unreachable("for the replay offsets", err);

    struct Range {
        std::int64_t replayed_below = -1;  // the replay group's offset (-1: nothing replayed)
        std::int64_t end = 0;              // the high watermark when the read began
        bool done = false;
    };
    std::map<std::int32_t, Range> ranges;
    kafka::PartitionList assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (int i = 0; i < committed->cnt; ++i) {
        const auto& c = committed->elems[i];
        std::int64_t low = 0, high = 0;
        if (auto err = rd_kafka_query_watermark_offsets(rk, dlq_topic.c_str(), c.partition, &low, &high,
                                                        milliseconds(timeout_)))
            throw unreachable("for the end offsets", err);
        auto& range = ranges[c.partition];
        range.replayed_below = c.err ? -1 : c.offset;  // RD_KAFKA_OFFSET_INVALID (< 0) when none is committed
        range.end = high;
        // Retention may have deleted letters that were never replayed: start at what is left.
        const auto start = std::max(low, from_replay_offset ? range.replayed_below : low);
        range.done = start >= high;
        if (!range.done)
            rd_kafka_topic_partition_list_add(assignment.get(), dlq_topic.c_str(), c.partition)->offset = start;
    }

    std::vector<KafkaDeadLetter> letters;
    if (assignment->cnt == 0) return letters;
    if (auto err = rd_kafka_assign(rk, assignment.get()))
        throw std::runtime_error("kafka: cannot read '" + dlq_topic + "': " + rd_kafka_err2str(err));

    const auto all_done = [&] {
        return std::all_of(ranges.begin(), ranges.end(), [](const auto& r) { return r.second.done; });
    };
    auto stalled_at = std::chrono::steady_clock::now() + timeout_;
    while (!all_done()) {
        kafka::Record record(rd_kafka_consumer_poll(rk, milliseconds(kPoll)));
        if (!record) {
            if (std::chrono::steady_clock::now() < stalled_at) continue;
            rd_kafka_assign(rk, nullptr);
            throw unreachable("with the rest", RD_KAFKA_RESP_ERR__TIMED_OUT);
        }
        auto it = ranges.find(record->partition);
        if (record->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (it != ranges.end() && record->offset >= it->second.end) it->second.done = true;
            continue;
        }
        if (record->err || it == ranges.end()) continue;  // transient (a broker away): librdkafka fetches again
        stalled_at = std::chrono::steady_clock::now() + timeout_;
        auto& range = it->second;
        if (record->offset >= range.end - 1) range.done = true;
        if (record->offset >= range.end) continue;  // arrived after the read began: the next read takes it

        KafkaDeadLetter d;
        d.partition = record->partition;
        d.offset = record->offset;
        auto& l = d.letter;
        l.topic = kafka::unprefixed(dlq_topic, options_);
        l.original_topic = kafka::header(record.get(), kafka::kDeadLetterTopicHeader)
                               .value_or(std::string(l.topic.substr(0, l.topic.size() - kDlqSuffix.size())));
        l.group = kafka::header(record.get(), kafka::kDeadLetterGroupHeader).value_or("");
        if (record->key) l.key.assign(static_cast<const char*>(record->key), record->key_len);
        if (record->payload) l.payload.assign(static_cast<const char*>(record->payload), record->len);
        l.event_id = kafka::header(record.get(), kafka::kEventIdHeader).value_or("");
        l.reason = kafka::header(record.get(), kafka::kDeadLetterReasonHeader).value_or("");
        l.attempts = as_int(kafka::header(record.get(), kafka::kDeadLetterAttemptsHeader).value_or("0"));
        l.failed_at = kafka::header(record.get(), kafka::kDeadLetterFailedAtHeader).value_or("");
        l.requeued = record->offset < range.replayed_below;
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(record.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* name = nullptr;
            const void* value = nullptr;
            std::size_t size = 0;
            for (std::size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
                if (std::string_view(name).starts_with(kDeadLetterHeaderPrefix)) continue;
                d.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : "");
            }
        }
        letters.push_back(std::move(d));
    }
    rd_kafka_assign(rk, nullptr);  // the next read assigns from its own offsets
    std::stable_sort(letters.begin(), letters.end(), [](const KafkaDeadLetter& a, const KafkaDeadLetter& b) {
        return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
    });
    return letters;
}

ReplayResult KafkaDeadLetters::replay(std::string_view topic) {
    const auto dlq_topic = options_.topic_prefix + dlq_name(kafka::unprefixed(topic, options_));
    const auto letters = read(dlq_topic, true);
    ReplayResult result{.topic = std::string(kafka::unprefixed(dlq_topic, options_))};
    if (letters.empty()) return result;

    kafka::Producer producer(options_);
    if (!producer.wait_ready(timeout_))
        throw std::runtime_error("Kafka brokers " + options_.brokers + " gave the replay no producer within " +
                                 std::to_string(timeout_.count()) + " ms (TODOAI_KAFKA_BROKERS)");
    const auto failed = [&](const std::string& why) {
        return std::runtime_error("replayed " + std::to_string(result.replayed) + " dead letter(s) of '" + dlq_topic +
                                  "', then: " + why + " (run replay again: the rest is sent then)");
    };

    // Several groups may have dead-lettered the same event: one record back on its topic reaches all of them.
    std::set<std::pair<std::string, std::string>> sent;
    std::vector<kafka::OutgoingRecord> chunk;
    for (std::size_t i = 0; i < letters.size();) {
        // One chunk: consecutive letters of one partition, then its offset is committed.
        const auto partition = letters[i].partition;
        std::int64_t next_offset = 0;
        chunk.clear();
        std::size_t skipped = 0;
        for (; i < letters.size() && letters[i].partition == partition && chunk.size() < kReplayChunk; ++i) {
            const auto& d = letters[i];
            next_offset = d.offset + 1;
            if (!d.letter.event_id.empty() && !sent.emplace(d.letter.original_topic, d.letter.event_id).second) {
                ++skipped;
                continue;
            }
            chunk.push_back({.topic = options_.topic_prefix + d.letter.original_topic,
                             .key = d.letter.key,
                             .value = d.letter.payload,
                             .headers = d.headers});
        }
        try {
            producer.produce(chunk);
        } catch (const PublishError& e) {
            throw failed(e.what());
        }
        result.replayed += chunk.size();
        result.duplicates += skipped;
        auto offsets = one_partition(dlq_topic, partition, next_offset);
        if (auto err = rd_kafka_commit(reader_->handle.get(), offsets.get(), 0))
            throw failed("committing the replay offset of group '" + replay_group_ +
                         "' failed: " + rd_kafka_err2str(err));
    }
    return result;
}

}  // namespace todoai::pubsub
