#include "runtime/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace todoai::http {

RateLimiter::RateLimiter(double rate, double capacity, std::size_t max_keys)
    : rate_(rate), capacity_(std::max(1.0, capacity)), max_keys_(std::max<std::size_t>(1, max_keys)) {}

std::optional<std::chrono::seconds> RateLimiter::take(std::string_view key, Clock::time_point now) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto& b = bucket(key, now);
    if (b.tokens < 1.0) return wait_for_token(b);
    b.tokens -= 1.0;
    return std::nullopt;
}

std::optional<std::chrono::seconds> RateLimiter::check(std::string_view key, Clock::time_point now) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    const auto it = buckets_.find(std::string(key));
    if (it == buckets_.end()) return std::nullopt;
    refill(it->second, now);
    if (it->second.tokens < 1.0) return wait_for_token(it->second);
    return std::nullopt;
}

RateLimiter::Bucket& RateLimiter::bucket(std::string_view key, Clock::time_point now) {
    auto it = buckets_.find(std::string(key));
    if (it != buckets_.end()) {
        refill(it->second, now);
        return it->second;
    }
    if (buckets_.size() >= max_keys_) make_room(now);
    return buckets_.emplace(std::string(key), Bucket{capacity_, now}).first->second;
}

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
    const std::chrono::duration<double> elapsed = now - b.updated;
    if (elapsed.count() <= 0) return;
    b.tokens = std::min(capacity_, b.tokens + elapsed.count() * rate_);
    b.updated = now;
}

std::chrono::seconds RateLimiter::wait_for_token(const Bucket& b) const {
    const double seconds = (1.0 - b.tokens) / rate_;
    return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(seconds))));
}

// Full buckets behave exactly like absent ones, so dropping them loses nothing. If most are in use (a flood of distinct
// keys faster than they refill), arbitrary ones go too: which, a client cannot choose. Down to 90 %, so the scan is
// paid once per tenth of the table, not per new key.
void RateLimiter::make_room(Clock::time_point now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        it = it->second.tokens >= capacity_ ? buckets_.erase(it) : std::next(it);
    }
    const std::size_t target = max_keys_ - max_keys_ / 10 - 1;
    while (!buckets_.empty() && buckets_.size() > target) buckets_.erase(buckets_.begin());
}

}  // namespace todoai::http
