#pragma once
// The producer side of delivery (transactional outbox): a service writes each event into its own `outbox` table in
// the same transaction as the change it describes; the relay publishes committed rows in order and deletes them
// only after the bus confirmed. A crash in between means a re-send (consumers are idempotent), never a loss.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

#include "core/cloud_event.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/store/database.hpp"

namespace todoai::pubsub {

/// The outbox table; a service includes these statements in one of its migrations.
inline constexpr std::string_view kOutboxSqlite = R"sql(
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL,
    topic         TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    event         TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
)sql";

/// The same table for PostgreSQL.
inline constexpr std::string_view kOutboxPostgres = R"sql(
CREATE TABLE outbox (
    seq           BIGSERIAL PRIMARY KEY,
    event_id      TEXT NOT NULL,
    topic         TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    event         TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
)sql";

class Outbox {
  public:
    /// Appends `event` for `topic` inside the caller's transaction.
    static void append(store::Transaction& tx,
                       const CloudEvent& event,
                       std::string_view topic,
                       std::string_view partition_key);
};

struct RelayOptions {
    std::size_t batch_size = 1024;  // under load each cycle (publish, wait for the acks, delete) moves this many
    std::chrono::milliseconds idle_poll{1000};     // a safety net: notify() wakes the relay at once
    std::chrono::milliseconds error_backoff{500};  // after a PublishError
    std::chrono::milliseconds busy_backoff{50};    // PostgreSQL: another replica's relay was publishing
};

/// Publishes one database's outbox. One relay per service store; it runs on its own thread. On PostgreSQL several
/// replicas each run one over the same table: a transaction-scoped advisory lock lets one publish at a time, so rows
/// go out in seq order (one user's events never overtake each other) and none is sent twice by two relays.
class OutboxRelay {
  public:
    OutboxRelay(store::Database& db, Bus& bus, const Clock& clock, RelayOptions options = {});
    ~OutboxRelay();

    void start();
    /// Publishes what is already committed (bounded by `drain`), then stops.
    void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));
    /// Wakes the relay: call after committing a transaction that appended to the outbox.
    void notify();
    /// Publishes everything committed so far on the calling thread; returns how many rows were sent (tests, CLI).
    std::size_t drain_once();

  private:
    void run();
    struct Batch {
        std::size_t sent = 0;
        bool busy = false;  // another relay holds the outbox (PostgreSQL): nothing was read
    };
    /// Publishes up to batch_size committed rows in seq order and deletes them.
    Batch publish_batch();
    Batch publish_batch_shared();     // SQLite: this process's relay is the only one
    Batch publish_batch_exclusive();  // PostgreSQL: under the outbox's advisory lock
    /// Waits `d` unless stop() is called meanwhile.
    void pause(std::chrono::milliseconds d);

    store::Database& db_;
    Bus& bus_;
    const Clock& clock_;
    RelayOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = false;
    std::chrono::steady_clock::time_point drain_deadline_{};  // set by stop(), under mutex_
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::mutex publish_mutex_;  // drain_once() and the thread never publish at the same time (order)
};

}  // namespace todoai::pubsub
