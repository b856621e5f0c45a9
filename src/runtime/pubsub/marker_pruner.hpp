#pragma once
// Keeps a consumer's processed markers (processed_events.hpp) from growing without bound: a thread deletes the ones
// older than the retention now and then. Markers only have to outlive the bus's redelivery window.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "runtime/store/database.hpp"

namespace todoai::pubsub {

struct MarkerPrunerOptions {
    std::chrono::hours retention{24 * 30};  // longer than Kafka's default 7-day retention and a DLQ's replay
    std::chrono::minutes interval{60};      // between two prunes; the first runs one interval after start()
    std::int64_t rows_per_transaction = 10000;
};

class MarkerPruner {
  public:
    MarkerPruner(store::Database& db, const Clock& clock, MarkerPrunerOptions options = {});
    ~MarkerPruner();

    void start();
    void stop();
    /// Deletes every marker older than the retention, rows_per_transaction at a time; returns how many.
    std::int64_t prune_once();

  private:
    void run();

    store::Database& db_;
    const Clock& clock_;
    MarkerPrunerOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace todoai::pubsub
