#include "runtime/pubsub/kafka_consumer.hpp"

#include <algorithm>
#include <set>

#include "core/time.hpp"
#include "runtime/log/log.hpp"
#include "runtime/pubsub/kafka_config.hpp"
#include "runtime/pubsub/kafka_headers.hpp"

namespace todoai::pubsub::kafka {
namespace {

constexpr auto kIdlePoll = std::chrono::milliseconds(100);  // also how soon stop() is noticed
constexpr std::size_t kMaxPoll = 1000;                      // records taken per round before delivering
constexpr std::size_t kMaxForeignBatch = 500;  // a batch of records without kPublishHeader (other producers)

PartitionList one_partition(const std::string& topic, std::int32_t partition) {
    PartitionList list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
    return list;
}

}  // namespace

GroupConsumer::GroupConsumer(const KafkaOptions& options,
                             std::string group,
                             std::vector<GroupSubscription> subscriptions,
                             Producer& dead_letters,
                             const Clock& clock)
    : group_(std::move(group)),
      topic_prefix_(options.topic_prefix),
      subscriptions_(std::move(subscriptions)),
      dead_letters_(dead_letters),
      clock_(clock),
      retry_(options.retry) {
    Config conf = consumer_config(options, group_);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
    char error[512];
    handle_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof error));
    if (!handle_) throw std::invalid_argument("kafka: cannot create the consumer of group '" + group_ + "': " + error);
    conf.release();  // rd_kafka_new took it
    rd_kafka_poll_set_consumer(handle_.get());
}

GroupConsumer::~GroupConsumer() { stop(); }

void GroupConsumer::start() {
    std::set<std::string> topics;
    for (const auto& sub : subscriptions_) topics.insert(sub.topic);
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const auto& topic : topics)
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(handle_.get(), list.get()))
        throw std::runtime_error("kafka: group '" + group_ + "' cannot subscribe: " + rd_kafka_err2str(err));
    thread_ = std::thread([this] { run(); });
}

void GroupConsumer::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void GroupConsumer::run() {
    while (!stopping_) {
        poll(poll_timeout());
        resume_due();
        for (const auto& sub : subscriptions_) deliver(sub);
        commit_done(false);
    }
    commit_done(true);
    if (auto err = rd_kafka_consumer_close(handle_.get()))
        log::warn("kafka: group '" + group_ + "' did not close cleanly: " + rd_kafka_err2str(err));
}

std::chrono::milliseconds GroupConsumer::poll_timeout() const {
    auto timeout = kIdlePoll;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [id, p] : partitions_) {
        if (!p.paused) continue;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(p.due - now);
        timeout = std::clamp(left, std::chrono::milliseconds(0), timeout);
    }
    return timeout;
}

void GroupConsumer::poll(std::chrono::milliseconds timeout) {
    Record record(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
    for (std::size_t n = 0; record && n < kMaxPoll; ++n) {
        accept(record.get());
        record.reset(rd_kafka_consumer_poll(handle_.get(), 0));
    }
    if (record) accept(record.get());
}

void GroupConsumer::accept(const rd_kafka_message_t* record) {
    if (record->err) {
        if (record->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log::warn("kafka: group '" + group_ + "': " + rd_kafka_message_errstr(record));
        return;
    }
    const std::string topic = rd_kafka_topic_name(record->rkt);
    auto& p = partitions_[{topic, record->partition}];
    p.topic = topic;
    p.id = record->partition;
    // After a pause librdkafka fetches again from the last record it handed out; those we already hold.
    if (p.next_offset >= 0 && record->offset < p.next_offset) return;
    p.next_offset = record->offset + 1;

    Entry entry;
    entry.offset = record->offset;
    entry.message.topic = topic.substr(topic.starts_with(topic_prefix_) ? topic_prefix_.size() : 0);
    if (record->key) entry.message.key.assign(static_cast<const char*>(record->key), record->key_len);
    if (record->payload) entry.message.payload.assign(static_cast<const char*>(record->payload), record->len);
    entry.message.id = header(record, kEventIdHeader).value_or("");
    if (auto position = header(record, kPublishHeader)) {
        if (auto parsed = parse_publish_position(*position)) {
            entry.publish = std::move(parsed->publish);
            entry.index = parsed->index;
            entry.count = parsed->count;
        }
    }
    p.entries.push_back(std::move(entry));
}

bool GroupConsumer::ready(const Partition& partition) const { return !partition.paused; }

void GroupConsumer::resume_due() {
    const auto now = std::chrono::steady_clock::now();
    for (auto& [id, p] : partitions_) {
        if (!p.paused || p.due > now) continue;
        auto list = one_partition(p.topic, p.id);
        rd_kafka_resume_partitions(handle_.get(), list.get());
        p.paused = false;
    }
}

void GroupConsumer::back_off(Partition& partition, std::chrono::milliseconds delay) {
    partition.due = std::chrono::steady_clock::now() + delay;
    if (partition.paused) return;
    // Only this partition waits; the group's others keep being fetched and delivered.
    auto list = one_partition(partition.topic, partition.id);
    rd_kafka_pause_partitions(handle_.get(), list.get());
    partition.paused = true;
}

std::chrono::milliseconds GroupConsumer::backoff_after(int attempt) const {
    auto backoff = retry_.initial_backoff;
    for (int i = 1; i < attempt && backoff < retry_.max_backoff; ++i) backoff *= 2;
    return std::min(backoff, retry_.max_backoff);
}

void GroupConsumer::deliver(const GroupSubscription& sub) {
    const bool batch_group = static_cast<bool>(sub.batch_handler);
    for (;;) {
        for (auto& [id, p] : partitions_)
            if (id.first == sub.topic && ready(p)) deliver_singles(sub, p, batch_group);
        if (!batch_group || !deliver_batch(sub)) return;
    }
}

void GroupConsumer::deliver_singles(const GroupSubscription& sub, Partition& partition, bool alone_only) {
    for (auto& entry : partition.entries) {
        if (!ready(partition) || stopping_) return;
        if (entry.done) continue;
        if (!entry.dead_letter.empty()) {
            give_up(partition, entry, entry.dead_letter);
            continue;
        }
        if (alone_only && !entry.alone) return;  // the batch path takes it
        auto result = call_one(sub, entry.message);
        if (result.outcome == Outcome::success) {
            entry.done = true;
        } else if (result.outcome == Outcome::drop || exhausted(entry.message, result)) {
            give_up(partition, entry, std::move(result.reason));
        } else {
            log::debug("kafka: group '" + group_ + "' asked to retry event '" + entry.message.id + "' on '" +
                       sub.topic + "' (attempt " + std::to_string(entry.message.attempt) + "): " + result.reason);
            back_off(partition, backoff_after(entry.message.attempt));
            ++entry.message.attempt;
            return;
        }
    }
}

bool GroupConsumer::deliver_batch(const GroupSubscription& sub) {
    // The first ready record fixes the batch: the records of its publish() at its attempt, from every ready
    // partition of the topic, each partition's in offset order.
    std::vector<std::pair<Partition*, Entry*>> picked;
    const Entry* first = nullptr;
    for (auto& [id, p] : partitions_) {
        if (id.first != sub.topic || !ready(p)) continue;
        for (auto& e : p.entries) {
            if (e.done) continue;
            if (e.alone || !e.dead_letter.empty()) break;
            if (first == nullptr) first = &e;
            if (e.publish != first->publish || e.message.attempt != first->message.attempt) break;
            if (first->publish.empty() && picked.size() >= kMaxForeignBatch) break;
            picked.emplace_back(&p, &e);
        }
    }
    if (picked.empty() || stopping_) return false;
    // Not waiting for the rest of the publish: its records on partitions led by other brokers come in other fetch
    // responses, and waiting for them put up to a fetch cycle (or, under load, tens of ms) into every event's latency.
    // Per-key order holds within each partition either way.
    // Publish order across partitions (per-key order is already kept within each partition).
    std::stable_sort(picked.begin(), picked.end(),
                     [](const auto& a, const auto& b) { return a.second->index < b.second->index; });

    std::vector<Message> messages;
    for (const auto& [p, e] : picked) messages.push_back(e->message);
    std::vector<HandlerResult> results;
    std::string failure;     // set when the batch failed as a whole
    bool transient = false;  // ... because something the handler needs is down: not counted against max_attempts
    try {
        results = sub.batch_handler(std::span<const Message>(messages));
        if (results.size() != messages.size())
            failure = "group '" + group_ + "' returned " + std::to_string(results.size()) +
                      " result(s) for a batch of " + std::to_string(messages.size()) + " on '" + sub.topic + "'";
        else if (std::all_of(results.begin(), results.end(),
                             [](const HandlerResult& r) { return r.outcome == Outcome::retry; })) {
            failure = results.front().reason.empty() ? "retry" : results.front().reason;
            transient = std::all_of(results.begin(), results.end(), [](const HandlerResult& r) { return r.transient; });
        }
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unknown exception";
    }

    if (!failure.empty()) {
        const int attempt = messages.front().attempt;
        const bool per_message = results.size() == messages.size();
        for (std::size_t i = 0; i < picked.size(); ++i) {
            auto& [p, e] = picked[i];
            if (attempt >= retry_.max_attempts && !transient) {
                give_up(*p, *e, per_message ? results[i].reason : failure);
            } else {
                back_off(*p, backoff_after(attempt));
                ++e->message.attempt;
            }
        }
        return true;
    }
    for (std::size_t i = 0; i < picked.size(); ++i) {
        auto& [p, e] = picked[i];
        auto& result = results[i];
        if (result.outcome == Outcome::success) {
            e->done = true;
        } else if (result.outcome == Outcome::drop || exhausted(e->message, result)) {
            give_up(*p, *e, std::move(result.reason));
        } else {
            back_off(*p, backoff_after(e->message.attempt));
            ++e->message.attempt;
            e->alone = true;  // retried one by one after the batch
        }
    }
    return true;
}

bool GroupConsumer::exhausted(const Message& message, const HandlerResult& result) const {
    return !result.transient && message.attempt >= retry_.max_attempts;
}

HandlerResult GroupConsumer::call_one(const GroupSubscription& sub, const Message& message) {
    try {
        if (sub.handler) return sub.handler(message);
        auto results = sub.batch_handler(std::span<const Message>(&message, 1));
        if (results.size() == 1) return std::move(results.front());
        return HandlerResult::retry("group '" + group_ + "' returned " + std::to_string(results.size()) +
                                    " result(s) for a batch of 1");
    } catch (const std::exception& e) {
        return HandlerResult::retry(e.what());
    } catch (...) {
        return HandlerResult::retry("unknown exception");
    }
}

// The group gave up on `entry`: it is done once its dead letter is written. If that fails (brokers down), the
// partition backs off and the write is tried again; the offset stays uncommitted meanwhile.
void GroupConsumer::give_up(Partition& partition, Entry& entry, std::string reason) {
    entry.dead_letter = reason.empty() ? "dropped" : std::move(reason);
    if (write_dead_letter(entry)) {
        entry.done = true;
        return;
    }
    back_off(partition, retry_.max_backoff);
}

bool GroupConsumer::write_dead_letter(Entry& entry) {
    const auto& m = entry.message;
    const auto dlq = topic_prefix_ + dead_letter_topic(m.topic);
    OutgoingRecord record{.topic = dlq, .key = m.key, .value = m.payload, .headers = {}};
    if (!m.id.empty()) record.headers.emplace_back(kEventIdHeader, m.id);
    if (!entry.publish.empty())
        record.headers.emplace_back(
            kPublishHeader, entry.publish + ":" + std::to_string(entry.index) + ":" + std::to_string(entry.count));
    record.headers.emplace_back(kDeadLetterReasonHeader, entry.dead_letter);
    record.headers.emplace_back(kDeadLetterTopicHeader, m.topic);
    record.headers.emplace_back(kDeadLetterGroupHeader, group_);
    record.headers.emplace_back(kDeadLetterAttemptsHeader, std::to_string(m.attempt));
    record.headers.emplace_back(kDeadLetterFailedAtHeader, format_rfc3339(clock_.now()));
    try {
        dead_letters_.produce(std::span<const OutgoingRecord>(&record, 1));
    } catch (const PublishError& e) {
        log::error("kafka: group '" + group_ + "' could not dead-letter event '" + m.id + "' to '" + dlq +
                   "' (will try again): " + e.what());
        return false;
    }
    log::warn("kafka: group '" + group_ + "' gave up on event '" + m.id + "' on '" + m.topic + "' after " +
              std::to_string(m.attempt) + " attempt(s), sent to '" + dlq + "': " + entry.dead_letter);
    return true;
}

void GroupConsumer::commit_done(bool synchronously) {
    PartitionList offsets(rd_kafka_topic_partition_list_new(0));
    for (auto& [id, p] : partitions_) {
        std::int64_t next = -1;
        while (!p.entries.empty() && p.entries.front().done) {
            next = p.entries.front().offset + 1;
            p.entries.pop_front();
        }
        if (next <= p.committed) continue;
        rd_kafka_topic_partition_list_add(offsets.get(), p.topic.c_str(), p.id)->offset = next;
        p.committed = next;
    }
    if (offsets->cnt == 0) return;
    if (auto err = rd_kafka_commit(handle_.get(), offsets.get(), synchronously ? 0 : 1))
        log::warn("kafka: group '" + group_ + "' could not commit offsets: " + rd_kafka_err2str(err));
}

void GroupConsumer::on_rebalance(rd_kafka_t* rk,
                                 rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions,
                                 void* opaque) {
    auto* self = static_cast<GroupConsumer*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < partitions->cnt; ++i)
            self->partitions_.erase({partitions->elems[i].topic, partitions->elems[i].partition});
        rd_kafka_assign(rk, partitions);
        self->assigned_ = true;
        return;
    }
    self->revoke(partitions);
    rd_kafka_assign(rk, nullptr);
}

// Before another member takes these partitions: commit what is done; what is not will be delivered there again.
void GroupConsumer::revoke(rd_kafka_topic_partition_list_t* partitions) {
    commit_done(true);
    for (int i = 0; i < partitions->cnt; ++i)
        partitions_.erase({partitions->elems[i].topic, partitions->elems[i].partition});
}

}  // namespace todoai::pubsub::kafka
