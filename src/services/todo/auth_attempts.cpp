#include "services/todo/auth_attempts.hpp"

#include <string>

#include "runtime/http/problem.hpp"

namespace todoai::todo {
namespace {

http::RateLimiter limiter(int budget, std::chrono::seconds window) {
    const double rate = budget > 0 ? budget / static_cast<double>(window.count()) : 0.0;
    return http::RateLimiter(rate, budget);
}

}  // namespace

AuthAttempts::AuthAttempts(AttemptLimits limits)
    : accounts_(limiter(limits.per_account, limits.window)), addresses_(limiter(limits.per_address, limits.window)) {}

void AuthAttempts::check(std::string_view email, std::string_view address) {
    if (auto wait = accounts_.check(email))
        throw http::HttpError::too_many_requests(
            "too many failed attempts for this account; retry in " + std::to_string(wait->count()) + " s", *wait);
    if (auto wait = addresses_.check(address))
        throw http::HttpError::too_many_requests(
            "too many failed attempts from this address; retry in " + std::to_string(wait->count()) + " s", *wait);
}

void AuthAttempts::failed(std::string_view email, std::string_view address) {
    accounts_.take(email);
    addresses_.take(address);
}

}  // namespace todoai::todo
