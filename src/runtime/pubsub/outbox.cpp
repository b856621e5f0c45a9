#include "runtime/pubsub/outbox.hpp"

#include <string>
#include <vector>

#include "core/time.hpp"
#include "runtime/log/log.hpp"

namespace todoai::pubsub {
namespace {

using Access = store::Database::Access;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kSelectUnpublished =
    "SELECT seq, event_id, topic, partition_key, event FROM outbox ORDER BY seq LIMIT $1";
// A published row is deleted, not marked: the outbox then holds only what is still to send, so each commit touches
// one small B-tree and the relay's scan never walks past history (the audit service keeps the history).
constexpr std::string_view kDeletePublished = "DELETE FROM outbox WHERE seq = $1";

}  // namespace

void Outbox::append(store::Transaction& tx,
                    const CloudEvent& event,
                    std::string_view topic,
                    std::string_view partition_key) {
    tx.execute(
        "INSERT INTO outbox (event_id, topic, partition_key, event, created_at) VALUES ($1, $2, $3, $4, $5)",
        {event.id, std::string(topic), std::string(partition_key), serialize(event), format_rfc3339(event.time)});
}

OutboxRelay::OutboxRelay(store::Database& db, Bus& bus, const Clock& clock, RelayOptions options)
    : db_(db), bus_(bus), clock_(clock), options_(options) {
    if (options_.batch_size == 0) options_.batch_size = 1;
}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void OutboxRelay::stop(std::chrono::milliseconds drain) {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        drain_deadline_ = SteadyClock::now() + drain;
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void OutboxRelay::notify() {
    {
        std::lock_guard lock(mutex_);
        pending_ = true;
    }
    wake_.notify_one();
}

std::size_t OutboxRelay::drain_once() {
    std::size_t total = 0;
    for (;;) {
        const auto sent = publish_batch();
        total += sent;
        if (sent < options_.batch_size) return total;
    }
}

std::size_t OutboxRelay::publish_batch() {
    std::lock_guard publishing(publish_mutex_);
    std::vector<std::int64_t> seqs;
    std::vector<Message> batch;
    {
        // The read transaction ends before publishing: a long-held snapshot would keep SQLite from checkpointing.
        auto tx = db_.begin(Access::read);
        auto rows = tx->query(kSelectUnpublished, {static_cast<std::int64_t>(options_.batch_size)});
        seqs.reserve(rows.size());
        batch.reserve(rows.size());
        for (auto& row : rows) {
            seqs.push_back(row.int64(0));
            batch.push_back(
                Message{.topic = row.text(2), .key = row.text(3), .payload = row.text(4), .id = row.text(1)});
        }
    }
    if (batch.empty()) return 0;
    bus_.publish(batch);

    // Only now, after the bus confirmed: a crash before this commit re-sends the batch (consumers are idempotent).
    auto tx = db_.begin(Access::write);
    for (const auto seq : seqs) tx->execute(kDeletePublished, {seq});
    tx->commit();
    return batch.size();
}

void OutboxRelay::run() {
    for (;;) {
        if (stopping_) break;
        std::size_t sent = 0;
        try {
            sent = publish_batch();
        } catch (const std::exception& e) {
            log::error(std::string("outbox relay: publishing failed, retrying in ") +
                       std::to_string(options_.error_backoff.count()) + " ms: " + e.what());
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.error_backoff, [this] { return stopping_.load(); });
            continue;
        }
        if (sent == options_.batch_size) continue;  // more may be waiting

        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, options_.idle_poll, [this] { return pending_ || stopping_; });
        pending_ = false;  // cleared before the next read, so a notify() after that read is not lost
    }

    // Stopping: publish what is already committed, within the drain bound.
    std::chrono::steady_clock::time_point deadline;
    {
        std::lock_guard lock(mutex_);
        deadline = drain_deadline_;
    }
    try {
        while (SteadyClock::now() < deadline)
            if (publish_batch() < options_.batch_size) return;
        log::warn("outbox relay: drain time ran out; the remaining rows are published after the restart");
    } catch (const std::exception& e) {
        log::warn(std::string("outbox relay: could not drain the outbox (published after the restart): ") + e.what());
    }
}

}  // namespace todoai::pubsub
