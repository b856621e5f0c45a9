#pragma once
// One-shot timers at wall-clock instants with millisecond precision: a heap and one thread that sleeps until the
// earliest deadline (not a poll). Reminders fire from here.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"

namespace todoai::scheduler {

class TimerQueue {
  public:
    TimerQueue();
    ~TimerQueue();  // stops

    /// Runs `fn` on the queue's thread at `at` (at once if `at` is past). Scheduling an id again replaces its timer.
    void schedule(const std::string& id, Timestamp at, std::function<void()> fn);
    /// Returns false if no timer had that id.
    bool cancel(const std::string& id);
    std::size_t size() const;

    /// Returns once no callback is running, so an owner that cancelled its timers may be destroyed. A callback that
    /// calls this on the queue's own thread returns at once.
    void wait_idle();

    void start();
    /// Pending timers are dropped; a callback running now finishes first.
    void stop();

  private:
    void run();

    struct Entry {
        Timestamp at;
        std::uint64_t generation;
        std::string id;
        bool operator>(const Entry& o) const { return at > o.at; }
    };
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
    struct Timer {
        std::uint64_t generation;
        std::function<void()> fn;
    };
    std::unordered_map<std::string, Timer> timers_;  // live timers; heap entries of older generations are skipped
    std::uint64_t next_generation_ = 1;
    bool stopping_ = false;
    bool running_ = false;  // a callback is running (outside the lock)
    std::condition_variable idle_;
    std::thread thread_;
};

}  // namespace todoai::scheduler
