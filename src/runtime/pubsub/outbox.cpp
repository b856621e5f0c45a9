#include "runtime/pubsub/outbox.hpp"

#include <string>
#include <vector>

#include "core/time.hpp"
#include "runtime/log/log.hpp"

namespace todoai::pubsub {
namespace {

using Access = store::Database::Access;
using SteadyClock = std::chrono::steady_clock;

// Published rows are deleted at most this often, in chunks, so a cleanup never holds the write lock for long.
constexpr std::chrono::minutes kCleanupEvery{1};
constexpr std::int64_t kCleanupChunk = 5000;

constexpr std::string_view kSelectUnpublished =
    "SELECT seq, event_id, topic, partition_key, event FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1";
constexpr std::string_view kMarkPublished = "UPDATE outbox SET published_at = $1 WHERE seq = $2";

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
    const store::Value published_at = format_rfc3339(clock_.now());
    for (const auto seq : seqs) tx->execute(kMarkPublished, {published_at, seq});
    tx->commit();
    return batch.size();
}

std::size_t OutboxRelay::delete_expired() {
    const auto cutoff =
        format_rfc3339(clock_.now() - std::chrono::duration_cast<std::chrono::milliseconds>(options_.retention));
    std::size_t deleted = 0;
    for (;;) {
        auto tx = db_.begin(Access::write);
        // Rows are published in seq order, so the expired ones lie before the first row that is unpublished or
        // young; walking the primary key up to it costs as much as there is to delete (no published_at index).
        auto first_kept = tx->query(
            "SELECT seq FROM outbox WHERE published_at IS NULL OR published_at >= $1 ORDER BY seq LIMIT 1", {cutoff});
        std::int64_t boundary = 0;
        if (!first_kept.empty()) {
            boundary = first_kept[0].int64(0);
        } else {
            auto last = tx->query("SELECT MAX(seq) FROM outbox");
            if (last.empty() || last[0].is_null(0)) return deleted;
            boundary = last[0].int64(0) + 1;
        }
        auto lowest = tx->query("SELECT MIN(seq) FROM outbox");
        if (lowest.empty() || lowest[0].is_null(0) || lowest[0].int64(0) >= boundary) return deleted;
        const auto upto = std::min(boundary, lowest[0].int64(0) + kCleanupChunk);
        const auto n = tx->execute("DELETE FROM outbox WHERE seq < $1 AND published_at IS NOT NULL", {upto});
        tx->commit();
        deleted += static_cast<std::size_t>(n);
        if (upto == boundary) return deleted;
    }
}

void OutboxRelay::run() {
    auto next_cleanup = SteadyClock::now();
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

        if (SteadyClock::now() >= next_cleanup) {
            next_cleanup = SteadyClock::now() + kCleanupEvery;
            try {
                if (const auto n = delete_expired(); n > 0)
                    log::debug("outbox relay: deleted " + std::to_string(n) + " published rows past retention");
            } catch (const std::exception& e) {
                log::warn(std::string("outbox relay: deleting published rows failed: ") + e.what());
            }
        }

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
