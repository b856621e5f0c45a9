#include "runtime/scheduler/timer_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace todoai::scheduler {
namespace {

using namespace std::chrono_literals;

Timestamp now() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

// Records what fired, in order, and lets a test wait for a count with a deadline.
class Recorder {
  public:
    std::function<void()> callback(std::string name) {
        return [this, name] {
            std::lock_guard lock(mutex_);
            fired_.push_back({name, std::chrono::system_clock::now()});
            cv_.notify_all();
        };
    }
    bool wait_for(std::size_t count, std::chrono::milliseconds timeout = 2s) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return fired_.size() >= count; });
    }
    std::vector<std::string> names() {
        std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        for (const auto& f : fired_) out.push_back(f.name);
        return out;
    }
    std::chrono::system_clock::time_point when(std::size_t i) {
        std::lock_guard lock(mutex_);
        return fired_.at(i).at;
    }

  private:
    struct Fired {
        std::string name;
        std::chrono::system_clock::time_point at;
    };
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Fired> fired_;
};

TEST(TimerQueue, FiresInDeadlineOrderCloseToTheDeadline) {
    TimerQueue q;
    q.start();
    Recorder r;
    const auto base = now();
    const Timestamp t1 = base + 60ms, t2 = base + 30ms, t3 = base + 90ms;
    q.schedule("c", t3, r.callback("c"));
    q.schedule("a", t1, r.callback("a"));
    q.schedule("b", t2, r.callback("b"));
    ASSERT_TRUE(r.wait_for(3));
    EXPECT_EQ(r.names(), (std::vector<std::string>{"b", "a", "c"}));
    const Timestamp deadlines[] = {t2, t1, t3};
    for (std::size_t i = 0; i < 3; ++i) {
        auto lateness = r.when(i) - deadlines[i];
        EXPECT_GE(lateness, 0ms) << i;   // never early
        EXPECT_LE(lateness, 20ms) << i;  // a sanity bound, not a benchmark
    }
    EXPECT_EQ(q.size(), 0u);
}

TEST(TimerQueue, PastDeadlineFiresAtOnce) {
    TimerQueue q;
    q.start();
    std::promise<void> done;
    const auto before = std::chrono::steady_clock::now();
    q.schedule("past", now() - 1h, [&] { done.set_value(); });
    ASSERT_EQ(done.get_future().wait_for(2s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - before, 100ms);
}

TEST(TimerQueue, ScheduleAgainReplacesTheTimer) {
    TimerQueue q;
    q.start();
    Recorder r;
    q.schedule("x", now() + 30ms, r.callback("first"));
    q.schedule("x", now() + 60ms, r.callback("second"));
    EXPECT_EQ(q.size(), 1u);
    q.schedule("end", now() + 120ms, r.callback("end"));
    ASSERT_TRUE(r.wait_for(2));
    EXPECT_EQ(r.names(), (std::vector<std::string>{"second", "end"}));
}

TEST(TimerQueue, ReplacingWithAnEarlierDeadlineWakesTheThread) {
    TimerQueue q;
    q.start();
    Recorder r;
    q.schedule("x", now() + 10s, r.callback("late"));
    const auto deadline = now() + 30ms;
    q.schedule("x", deadline, r.callback("early"));
    ASSERT_TRUE(r.wait_for(1, 1s));
    EXPECT_EQ(r.names(), (std::vector<std::string>{"early"}));
    EXPECT_LE(r.when(0) - deadline, 20ms);
}

TEST(TimerQueue, CancelledTimerNeverFires) {
    TimerQueue q;
    q.start();
    Recorder r;
    q.schedule("gone", now() + 20ms, r.callback("gone"));
    q.schedule("kept", now() + 60ms, r.callback("kept"));
    EXPECT_TRUE(q.cancel("gone"));
    EXPECT_FALSE(q.cancel("gone"));
    EXPECT_FALSE(q.cancel("never"));
    ASSERT_TRUE(r.wait_for(1));
    EXPECT_EQ(r.names(), (std::vector<std::string>{"kept"}));
}

TEST(TimerQueue, StopDropsPendingTimersAndWaitsForARunningCallback) {
    TimerQueue q;
    q.start();
    std::promise<void> entered;
    std::atomic<bool> finished{false};
    std::atomic<bool> release{false};
    q.schedule("slow", now(), [&] {
        entered.set_value();
        while (!release) std::this_thread::yield();
        finished = true;
    });
    std::atomic<bool> pending_ran{false};
    q.schedule("pending", now() + 50ms, [&] { pending_ran = true; });
    ASSERT_EQ(entered.get_future().wait_for(2s), std::future_status::ready);
    auto stopper = std::async(std::launch::async, [&] { q.stop(); });
    EXPECT_EQ(stopper.wait_for(30ms), std::future_status::timeout);  // blocked on the running callback
    release = true;
    ASSERT_EQ(stopper.wait_for(2s), std::future_status::ready);
    EXPECT_TRUE(finished);
    EXPECT_EQ(q.size(), 0u);
    EXPECT_FALSE(pending_ran);
}

TEST(TimerQueue, WaitIdleReturnsAfterTheRunningCallback) {
    TimerQueue q;
    q.start();
    std::promise<void> entered;
    std::atomic<bool> release{false};
    std::atomic<bool> finished{false};
    q.schedule("slow", now(), [&] {
        entered.set_value();
        while (!release) std::this_thread::yield();
        finished = true;
    });
    ASSERT_EQ(entered.get_future().wait_for(2s), std::future_status::ready);
    auto waiter = std::async(std::launch::async, [&] { q.wait_idle(); });
    EXPECT_EQ(waiter.wait_for(30ms), std::future_status::timeout);
    release = true;
    ASSERT_EQ(waiter.wait_for(2s), std::future_status::ready);
    EXPECT_TRUE(finished);
}

TEST(TimerQueue, ThrowingCallbackDoesNotStopTheQueue) {
    TimerQueue q;
    q.start();
    Recorder r;
    q.schedule("throws", now(), [] { throw std::runtime_error("boom"); });
    q.schedule("after", now() + 10ms, r.callback("after"));
    ASSERT_TRUE(r.wait_for(1));
    EXPECT_EQ(r.names(), (std::vector<std::string>{"after"}));
}

TEST(TimerQueue, TimersScheduledBeforeStartFireAfterIt) {
    TimerQueue q;
    Recorder r;
    q.schedule("early", now() + 10ms, r.callback("early"));
    q.start();
    q.start();  // idempotent
    ASSERT_TRUE(r.wait_for(1));
    EXPECT_EQ(r.names(), (std::vector<std::string>{"early"}));
}

TEST(TimerQueue, ManyTimersAllFireOnce) {
    TimerQueue q;
    q.start();
    std::atomic<int> count{0};
    std::promise<void> all;
    constexpr int kN = 2000;
    const auto base = now() + 20ms;
    for (int i = 0; i < kN; ++i) {
        std::string id = "t";  // not `"t" + std::to_string(i)`: GCC 12 -O3 warns falsely (-Wrestrict)
        id += std::to_string(i);
        q.schedule(id, base + std::chrono::milliseconds(i % 50), [&] {
            if (++count == kN) all.set_value();
        });
    }
    ASSERT_EQ(all.get_future().wait_for(5s), std::future_status::ready);
    EXPECT_EQ(count.load(), kN);
    EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace todoai::scheduler
