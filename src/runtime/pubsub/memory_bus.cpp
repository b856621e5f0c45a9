#include "runtime/pubsub/memory_bus.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "runtime/log/log.hpp"

namespace todoai::pubsub {
namespace {

constexpr std::chrono::milliseconds kReplayEvery{200};
constexpr std::size_t kReplayBatch = 256;

struct Subscription {
    std::string topic;
    std::string group;
    Handler handler;             // a per-message group, or
    BatchHandler batch_handler;  // a batch group (exactly one of the two is set)
};

// The bus stopped while a delivery waited for its backoff: the message is not done for this group.
struct Interrupted {};

class MemoryBus final : public Bus {
  public:
    MemoryBus(DeadLetterStore& dead_letters, const Clock& clock, RetryPolicy retry)
        : dead_letters_(dead_letters), clock_(clock), retry_(retry) {
        retry_.max_attempts = std::max(retry_.max_attempts, 1);
    }
    ~MemoryBus() override { stop(); }

    void subscribe(std::string_view topic, std::string_view group, Handler handler) override {
        std::unique_lock lock(subscriptions_mutex_);
        subscriptions_.push_back({std::string(topic), std::string(group), std::move(handler), {}});
    }

    void subscribe_batch(std::string_view topic, std::string_view group, BatchHandler handler) override {
        std::unique_lock lock(subscriptions_mutex_);
        subscriptions_.push_back({std::string(topic), std::string(group), {}, std::move(handler)});
    }

    void publish(std::span<const Message> batch) override {
        {
            std::lock_guard lock(mutex_);
            if (!running_) throw PublishError("the in-process bus is not running");
            ++active_;
        }
        struct Leave {
            MemoryBus& bus;
            ~Leave() { bus.leave(); }
        } leave{*this};

        // Group after group, in subscription order (the app subscribes the live feed first: its latency shows);
        // each group gets the batch's messages of its topic in publish order.
        std::shared_lock subscriptions(subscriptions_mutex_);
        for (const auto& sub : subscriptions_) {
            if (sub.batch_handler) {
                std::vector<Message> messages;
                for (const auto& message : batch)
                    if (message.topic == sub.topic) messages.push_back(message);
                if (messages.empty()) continue;
                try {
                    deliver_batch(sub, std::move(messages));
                } catch (const Interrupted&) {
                    throw PublishError("the in-process bus stopped while delivering a batch to group '" + sub.group +
                                       "'");
                }
                continue;
            }
            for (const auto& message : batch) {
                if (sub.topic != message.topic) continue;
                Message first = message;
                first.attempt = 1;
                auto [delivered, failed, reason] = deliver_or_interrupt(sub, std::move(first));
                if (delivered) continue;
                if (!failed) throw PublishError("the in-process bus stopped while delivering '" + message.id + "'");
                record_dead_letter(*failed, sub.group, reason);
            }
        }
    }

    void start() override {
        std::lock_guard lock(mutex_);
        if (running_) return;
        running_ = true;
        replayer_ = std::thread([this] { replay_loop(); });
    }

    void stop() override {
        {
            std::unique_lock lock(mutex_);
            running_ = false;
            changed_.notify_all();
            changed_.wait(lock, [this] { return active_ == 0; });
        }
        if (replayer_.joinable()) replayer_.join();
    }

    bool ready() override {
        std::lock_guard lock(mutex_);
        return running_;
    }

  private:
    struct Delivery {
        bool delivered = false;
        std::optional<Message> failed;  // the group gave up (DROP or exhausted RETRY); attempt counts the tries
        std::string reason;
    };

    Delivery deliver_or_interrupt(const Subscription& sub, Message message) {
        try {
            return deliver(sub, std::move(message));
        } catch (const Interrupted&) {
            return {};
        }
    }

    // The wait before retrying a message that failed its `attempt`-th try: initial_backoff doubling, capped.
    std::chrono::milliseconds backoff_after(int attempt) const {
        auto backoff = retry_.initial_backoff;
        for (int i = 1; i < attempt && backoff < retry_.max_backoff; ++i) backoff *= 2;
        return std::min(backoff, retry_.max_backoff);
    }

    // One message to either kind of group (a batch group gets a span of one). Exceptions, and a batch handler's
    // result vector of the wrong size, count as RETRY.
    HandlerResult call_one(const Subscription& sub, const Message& message) {
        try {
            if (sub.handler) return sub.handler(message);
            auto results = sub.batch_handler(std::span<const Message>(&message, 1));
            if (results.size() == 1) return std::move(results.front());
            return HandlerResult::retry(wrong_size(sub, results.size(), 1));
        } catch (const std::exception& e) {
            return HandlerResult::retry(e.what());
        } catch (...) {
            return HandlerResult::retry("unknown exception");
        }
    }

    static std::string wrong_size(const Subscription& sub, std::size_t got, std::size_t expected) {
        auto text = "group '" + sub.group + "' returned " + std::to_string(got) + " result(s) for a batch of " +
                    std::to_string(expected) + " on '" + sub.topic + "'; retrying the batch";
        log::error("bus: " + text);
        return text;
    }

    // One group, one message, from message.attempt on: RETRY (or an exception) is retried with doubling backoff up
    // to max_attempts.
    Delivery deliver(const Subscription& sub, Message message) {
        for (;;) {
            HandlerResult result = call_one(sub, message);
            if (result.outcome == Outcome::success) return {.delivered = true};
            if (result.outcome == Outcome::drop) return {.failed = message, .reason = std::move(result.reason)};
            if (message.attempt >= retry_.max_attempts) return {.failed = message, .reason = std::move(result.reason)};
            log::debug("bus: group '" + sub.group + "' asked to retry event '" + message.id + "' on '" + message.topic +
                       "' (attempt " + std::to_string(message.attempt) + "): " + result.reason);
            wait_or_interrupt(backoff_after(message.attempt));
            ++message.attempt;
        }
    }

    // One batch group, its messages of one publish() (all of its topic, in order). All RETRY (or an exception, or
    // a result vector of the wrong size) retries the whole batch with backoff, then dead-letters each message; in a
    // mix, DROP is dead-lettered and RETRY is retried one message at a time after the batch, in order. Throws
    // Interrupted when the bus stops during a backoff.
    void deliver_batch(const Subscription& sub, std::vector<Message> messages) {
        for (auto& m : messages) m.attempt = 1;
        std::vector<HandlerResult> results;
        for (;;) {
            bool whole_batch_failed = true;  // then retried as a whole
            std::string failure;
            try {
                results = sub.batch_handler(std::span<const Message>(messages));
                if (results.size() != messages.size())
                    failure = wrong_size(sub, results.size(), messages.size());
                else if (std::all_of(results.begin(), results.end(),
                                     [](const HandlerResult& r) { return r.outcome == Outcome::retry; }))
                    failure = results.front().reason;
                else
                    whole_batch_failed = false;
            } catch (const std::exception& e) {
                failure = e.what();
            } catch (...) {
                failure = "unknown exception";
            }
            if (!whole_batch_failed) break;  // a result per message, not all RETRY

            const int attempt = messages.front().attempt;
            if (attempt >= retry_.max_attempts) {
                const bool per_message = results.size() == messages.size();
                for (std::size_t i = 0; i < messages.size(); ++i)
                    record_dead_letter(messages[i], sub.group, per_message ? results[i].reason : failure);
                return;
            }
            log::debug("bus: group '" + sub.group + "' asked to retry a batch of " + std::to_string(messages.size()) +
                       " on '" + sub.topic + "' (attempt " + std::to_string(attempt) + "): " + failure);
            wait_or_interrupt(backoff_after(attempt));
            for (auto& m : messages) ++m.attempt;
            results.clear();
        }

        for (std::size_t i = 0; i < messages.size(); ++i) {
            auto& result = results[i];
            if (result.outcome == Outcome::success) continue;
            Message& message = messages[i];
            if (result.outcome == Outcome::drop) {
                record_dead_letter(message, sub.group, result.reason);
                continue;
            }
            if (message.attempt >= retry_.max_attempts) {
                record_dead_letter(message, sub.group, result.reason);
                continue;
            }
            log::debug("bus: group '" + sub.group + "' asked to retry event '" + message.id + "' of a batch on '" +
                       message.topic + "' (attempt " + std::to_string(message.attempt) + "): " + result.reason);
            wait_or_interrupt(backoff_after(message.attempt));
            ++message.attempt;
            auto delivery = deliver(sub, std::move(message));
            if (delivery.failed) record_dead_letter(*delivery.failed, sub.group, delivery.reason);
        }
    }

    void wait_or_interrupt(std::chrono::milliseconds delay) {
        std::unique_lock lock(mutex_);
        if (changed_.wait_for(lock, delay, [this] { return !running_; })) throw Interrupted{};
    }

    void record_dead_letter(const Message& message, const std::string& group, const std::string& reason) {
        log::warn("bus: group '" + group + "' gave up on event '" + message.id + "' on '" + message.topic + "' after " +
                  std::to_string(message.attempt) + " attempt(s), sent to '" + dead_letter_topic(message.topic) +
                  "': " + reason);
        try {
            dead_letters_.add(message, group, reason, clock_.now());
        } catch (const std::exception& e) {
            throw PublishError("could not store the dead letter of event '" + message.id + "': " + e.what());
        }
    }

    void leave() {
        std::lock_guard lock(mutex_);
        if (--active_ == 0) changed_.notify_all();
    }

    void replay_loop() {
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                if (changed_.wait_for(lock, kReplayEvery, [this] { return !running_; })) return;
            }
            try {
                replay_requeued();
            } catch (const Interrupted&) {
                return;
            } catch (const std::exception& e) {
                log::error(std::string("bus: replaying dead letters failed: ") + e.what());
            }
        }
    }

    // Dead letters requeued by `todoai dlq replay` go back to the group that failed them, and only to it.
    void replay_requeued() {
        const auto letters = dead_letters_.take_requeued(kReplayBatch);
        if (letters.empty()) return;
        std::shared_lock subscriptions(subscriptions_mutex_);
        for (const auto& letter : letters) {
            auto sub = std::find_if(subscriptions_.begin(), subscriptions_.end(), [&](const Subscription& s) {
                return s.topic == letter.original_topic && s.group == letter.group;
            });
            if (sub == subscriptions_.end()) continue;  // that group does not run in this process; it stays queued
            const Message message{
                .topic = letter.original_topic, .key = letter.key, .payload = letter.payload, .id = letter.event_id};
            auto delivery = deliver(*sub, message);
            if (delivery.failed)
                record_dead_letter(*delivery.failed, sub->group, delivery.reason);
            else
                log::info("bus: replayed event '" + letter.event_id + "' to group '" + sub->group + "'");
            dead_letters_.remove(letter.id);
        }
    }

    DeadLetterStore& dead_letters_;
    const Clock& clock_;
    RetryPolicy retry_;

    std::shared_mutex subscriptions_mutex_;
    std::vector<Subscription> subscriptions_;

    std::mutex mutex_;
    std::condition_variable changed_;  // running_ or active_ changed
    bool running_ = false;
    int active_ = 0;  // publish() calls in flight
    std::thread replayer_;
};

}  // namespace

std::unique_ptr<Bus> make_memory_bus(DeadLetterStore& dead_letters, const Clock& clock, RetryPolicy retry) {
    return std::make_unique<MemoryBus>(dead_letters, clock, retry);
}

}  // namespace todoai::pubsub
