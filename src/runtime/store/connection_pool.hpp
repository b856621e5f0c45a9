#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace todoai::store {

/// The bounded connection pool of the relational drivers (SQLite's readers, PostgreSQL's connections). It owns every
/// connection; a borrower gets a raw pointer from acquire() and hands it back through release(). Thread-safe.
template <typename Connection>
class ConnectionPool {
  public:
    struct Taken {
        Connection* conn;
        bool fresh;  // opened for this caller rather than reused from the idle list
    };

    /// Holds at most `max_connections` connections (at least one), counting those being opened.
    explicit ConnectionPool(std::size_t max_connections)
        : max_connections_(std::max<std::size_t>(max_connections, 1)) {}

    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    std::size_t max_connections() const { return max_connections_; }

    /// Adds a connection the driver opened itself (at start-up, so a bad configuration fails there) as idle.
    void add_idle(std::unique_ptr<Connection> conn) {
        std::lock_guard lock(mutex_);
        idle_.push_back(conn.get());
        all_.push_back(std::move(conn));
    }

    /// Hands out an idle connection, opens one with `open()` while below max_connections, or waits for a release.
    /// nullopt when `deadline` passes with every connection still in use: the driver reports that in its own words.
    /// An exception from `open()` propagates and leaves its slot to the next caller.
    template <typename Open>
    requires std::is_invocable_r_v<std::unique_ptr<Connection>, Open&> std::optional<Taken> acquire(
        std::chrono::steady_clock::time_point deadline, Open&& open) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (!idle_.empty()) {
                Connection* conn = idle_.back();
                idle_.pop_back();
                return Taken{conn, false};
            }
            if (has_room()) return open_unlocked(lock, open);
            ++waiting_;
            const auto status = available_.wait_until(lock, deadline);
            --waiting_;
            // A release may have landed just as the wait timed out: take it rather than fail.
            if (status == std::cv_status::timeout && idle_.empty() && !has_room()) return std::nullopt;
        }
    }

    /// Takes a connection back: idle again when `healthy`, otherwise dropped, and closed once the lock is released
    /// (closing may block on the network, and other borrowers must not wait for it).
    void release(Connection* conn, bool healthy) noexcept {
        std::unique_ptr<Connection> dropped;
        {
            std::lock_guard lock(mutex_);
            if (healthy) {
                idle_.push_back(conn);
            } else {
                auto it = std::find_if(all_.begin(), all_.end(), [&](auto& c) { return c.get() == conn; });
                dropped = std::move(*it);
                all_.erase(it);
            }
        }
        available_.notify_one();
    }

    /// Connections open, idle or lent out (not those still being opened).
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return all_.size();
    }

    /// Callers blocked in acquire() waiting for a release.
    std::size_t waiting() const {
        std::lock_guard lock(mutex_);
        return waiting_;
    }

  private:
    bool has_room() const { return all_.size() + opening_ < max_connections_; }

    // Opening takes a round trip or a file open: other callers keep taking and returning connections meanwhile.
    template <typename Open>
    Taken open_unlocked(std::unique_lock<std::mutex>& lock, Open& open) {
        ++opening_;
        lock.unlock();
        std::unique_ptr<Connection> conn;
        try {
            conn = open();
        } catch (...) {
            lock.lock();
            --opening_;
            available_.notify_one();  // a caller waiting for room may open one now
            throw;
        }
        lock.lock();
        --opening_;
        all_.push_back(std::move(conn));
        return Taken{all_.back().get(), true};
    }

    const std::size_t max_connections_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> all_;
    std::vector<Connection*> idle_;
    std::size_t opening_ = 0;
    std::size_t waiting_ = 0;
};

}  // namespace todoai::store
