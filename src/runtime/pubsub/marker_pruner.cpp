#include "runtime/pubsub/marker_pruner.hpp"

#include <string>

#include "core/time.hpp"
#include "runtime/log/log.hpp"
#include "runtime/pubsub/processed_events.hpp"

namespace todoai::pubsub {

MarkerPruner::MarkerPruner(store::Database& db, const Clock& clock, MarkerPrunerOptions options)
    : db_(db), clock_(clock), options_(options) {
    if (options_.rows_per_transaction < 1) options_.rows_per_transaction = 1;
}

MarkerPruner::~MarkerPruner() { stop(); }

void MarkerPruner::start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void MarkerPruner::stop() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::int64_t MarkerPruner::prune_once() {
    const auto cutoff = format_rfc3339(clock_.now() - options_.retention);
    std::int64_t total = 0;
    for (;;) {
        auto tx = db_.begin(store::Database::Access::write);
        const auto deleted = prune_processed_events(*tx, cutoff, options_.rows_per_transaction);
        tx->commit();
        total += deleted;
        if (deleted < options_.rows_per_transaction) return total;
    }
}

void MarkerPruner::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
        lock.unlock();
        try {
            if (const auto deleted = prune_once(); deleted > 0)
                log::info("processed markers: deleted " + std::to_string(deleted) + " older than " +
                          std::to_string(options_.retention.count()) + " h");
        } catch (const std::exception& e) {
            log::warn(std::string("processed markers: prune failed, trying again in an interval: ") + e.what());
        }
        lock.lock();
    }
}

}  // namespace todoai::pubsub
