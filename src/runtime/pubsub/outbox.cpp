#include "runtime/pubsub/outbox.hpp"

#include <string>
#include <thread>
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

// PostgreSQL: one relay of all the replicas publishes at a time. The lock is transaction-scoped (a crashed relay's
// lock goes with its session) and keyed by the schema, so each service's outbox has its own. The first key is this
// lock's class; store/postgres_database.cpp's migrations use another.
constexpr std::string_view kTryOutboxLock = "SELECT pg_try_advisory_xact_lock(1953459202, hashtext(current_schema()))";
// Exactly the rows published: a range would also take rows whose writers committed after the SELECT.
constexpr std::string_view kDeletePublishedSeqs = "DELETE FROM outbox WHERE seq = ANY($1::bigint[])";

std::string bigint_array(const std::vector<std::int64_t>& values) {
    std::string out = "{";
    for (const auto v : values) {
        if (out.size() > 1) out += ',';
        out += std::to_string(v);
    }
    out += '}';
    return out;
}

Message message_of(const store::Row& row) {
    return Message{.topic = row.text(2), .key = row.text(3), .payload = row.text(4), .id = row.text(1)};
}

}  // namespace

void Outbox::append(store::Transaction& tx,
                    const CloudEvent& event,
                    std::string_view topic,
                    std::string_view partition_key) {
    // Deferred: on PostgreSQL it goes out with the commit, in the same round trip.
    tx.execute_deferred(
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
        const auto batch = publish_batch();
        total += batch.sent;
        if (batch.busy) {
            std::this_thread::sleep_for(options_.busy_backoff);  // the other relay is sending; look again after it
            continue;
        }
        if (batch.sent < options_.batch_size) return total;
    }
}

OutboxRelay::Batch OutboxRelay::publish_batch() {
    std::lock_guard publishing(publish_mutex_);
    return db_.dialect() == store::Dialect::postgres ? publish_batch_exclusive() : publish_batch_shared();
}

OutboxRelay::Batch OutboxRelay::publish_batch_shared() {
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
            batch.push_back(message_of(row));
        }
    }
    if (batch.empty()) return {};
    bus_.publish(batch);

    // Only now, after the bus confirmed: a crash before this commit re-sends the batch (consumers are idempotent).
    auto tx = db_.begin(Access::write);
    for (const auto seq : seqs) tx->execute(kDeletePublished, {seq});
    tx->commit();
    return {.sent = batch.size()};
}

OutboxRelay::Batch OutboxRelay::publish_batch_exclusive() {
    // The transaction stays open while publishing: its lock keeps every other replica's relay from sending newer
    // rows of the same users meanwhile. A publish failure rolls back, which releases the lock and keeps the rows.
    auto tx = db_.begin(Access::write);
    if (tx->query(kTryOutboxLock, {})[0].int64(0) == 0) return {.busy = true};
    auto rows = tx->query(kSelectUnpublished, {static_cast<std::int64_t>(options_.batch_size)});
    if (rows.empty()) return {};
    std::vector<std::int64_t> seqs;
    std::vector<Message> batch;
    seqs.reserve(rows.size());
    batch.reserve(rows.size());
    for (auto& row : rows) {
        seqs.push_back(row.int64(0));
        batch.push_back(message_of(row));
    }
    bus_.publish(batch);
    // The delete need not wait for the WAL flush: if a server crash loses it, the rows are sent again and the
    // consumers' markers absorb the repeat. Not waiting shortens each cycle, and events committed meanwhile go out
    // sooner.
    tx->execute_deferred("SET LOCAL synchronous_commit TO OFF");
    tx->execute_deferred(kDeletePublishedSeqs, {bigint_array(seqs)});
    tx->commit();  // one round trip for the three
    return {.sent = batch.size()};
}

void OutboxRelay::pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void OutboxRelay::run() {
    for (;;) {
        if (stopping_) break;
        Batch batch;
        try {
            batch = publish_batch();
        } catch (const std::exception& e) {
            log::error(std::string("outbox relay: publishing failed, retrying in ") +
                       std::to_string(options_.error_backoff.count()) + " ms: " + e.what());
            pause(options_.error_backoff);
            continue;
        }
        if (batch.busy) {
            pause(options_.busy_backoff);
            continue;
        }
        if (batch.sent == options_.batch_size) continue;  // more may be waiting

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
        while (SteadyClock::now() < deadline) {
            const auto batch = publish_batch();
            if (batch.busy) {
                std::this_thread::sleep_for(options_.busy_backoff);  // stop() wakes pause(); this must really wait
                continue;
            }
            if (batch.sent < options_.batch_size) return;
        }
        log::warn("outbox relay: drain time ran out; the remaining rows are published after the restart");
    } catch (const std::exception& e) {
        log::warn(std::string("outbox relay: could not drain the outbox (published after the restart): ") + e.what());
    }
}

}  // namespace todoai::pubsub
