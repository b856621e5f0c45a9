#include "runtime/scheduler/timer_queue.hpp"

#include <exception>

#include "runtime/log/log.hpp"

namespace todoai::scheduler {

TimerQueue::TimerQueue() = default;

TimerQueue::~TimerQueue() { stop(); }

void TimerQueue::schedule(const std::string& id, Timestamp at, std::function<void()> fn) {
    {
        std::lock_guard lock(mutex_);
        const std::uint64_t generation = next_generation_++;
        timers_.insert_or_assign(id, Timer{generation, std::move(fn)});
        heap_.push(Entry{at, generation, id});
    }
    // Always wake: the new timer may be earlier than the one the thread sleeps for.
    wake_.notify_one();
}

bool TimerQueue::cancel(const std::string& id) {
    std::lock_guard lock(mutex_);
    // The heap entry stays; run() skips it because no live timer has its generation.
    return timers_.erase(id) > 0;
}

std::size_t TimerQueue::size() const {
    std::lock_guard lock(mutex_);
    return timers_.size();
}

void TimerQueue::wait_idle() {
    std::unique_lock lock(mutex_);
    if (thread_.get_id() == std::this_thread::get_id()) return;
    idle_.wait(lock, [this] { return !running_; });
}

void TimerQueue::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void TimerQueue::stop() {
    std::thread thread;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        thread = std::move(thread_);
        heap_ = {};
        timers_.clear();
    }
    wake_.notify_all();
    if (!thread.joinable()) return;
    if (thread.get_id() == std::this_thread::get_id()) {
        thread.detach();  // stop() called from a callback: run() returns once the callback does
    } else {
        thread.join();
    }
}

void TimerQueue::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (heap_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const Entry& top = heap_.top();
        auto it = timers_.find(top.id);
        if (it == timers_.end() || it->second.generation != top.generation) {
            heap_.pop();  // cancelled or replaced
            continue;
        }
        if (top.at > std::chrono::system_clock::now()) {
            // Sleeps until the deadline on the system clock (timers are wall-clock instants); schedule() and stop()
            // wake it early, and the loop re-reads the heap either way.
            const Timestamp deadline = top.at;
            wake_.wait_until(lock, deadline);
            continue;
        }
        std::function<void()> fn = std::move(it->second.fn);
        std::string id = top.id;
        timers_.erase(it);
        heap_.pop();
        running_ = true;
        lock.unlock();
        try {
            fn();
        } catch (const std::exception& e) {
            log::error("timer '" + id + "' callback threw: " + e.what());
        } catch (...) {
            log::error("timer '" + id + "' callback threw a non-standard exception");
        }
        lock.lock();
        running_ = false;
        idle_.notify_all();
    }
}

}  // namespace todoai::scheduler
