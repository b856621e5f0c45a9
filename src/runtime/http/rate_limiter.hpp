#pragma once
// Token buckets keyed by a string (a client address, a user id, an account): `capacity` tokens, refilled at `rate`
// per second. Thread-safe; the key table is bounded, so a flood of distinct keys cannot grow memory: when full, the
// buckets that have refilled completely (they hold no history worth keeping) are dropped first.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace todoai::http {

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    /// `rate` tokens per second, at most `capacity` saved up; rate 0 = unlimited (take() always succeeds).
    RateLimiter(double rate, double capacity, std::size_t max_keys = 100'000);

    /// Takes one token for `key`. When none is left: how long until one is (the Retry-After a client should wait).
    std::optional<std::chrono::seconds> take(std::string_view key, Clock::time_point now = Clock::now());

    /// Whether `key` has a token, without taking it (check before expensive work, take() only on failure).
    std::optional<std::chrono::seconds> check(std::string_view key, Clock::time_point now = Clock::now());

    bool enabled() const { return rate_ > 0; }

  private:
    struct Bucket {
        double tokens;
        Clock::time_point updated;
    };
    Bucket& bucket(std::string_view key, Clock::time_point now);
    void refill(Bucket& b, Clock::time_point now) const;
    std::chrono::seconds wait_for_token(const Bucket& b) const;
    void make_room(Clock::time_point now);

    double rate_;
    double capacity_;
    std::size_t max_keys_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace todoai::http
