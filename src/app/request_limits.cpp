#include "app/request_limits.hpp"

#include <algorithm>
#include <memory>

#include "runtime/auth/request_auth.hpp"
#include "runtime/http/rate_limiter.hpp"

namespace todoai::app {
namespace {

bool exempt(const http::Request& req) { return req.route.starts_with("/health") || req.route == "/metrics"; }

http::Response limited(std::string detail, std::chrono::seconds wait) {
    return http::to_response(http::HttpError::too_many_requests(std::move(detail), wait).problem());
}

}  // namespace

void install_request_limits(http::Router& router, const Config& config, const auth::JwtCodec& jwt) {
    if (config.rate_limit_per_address <= 0 && config.rate_limit_per_user <= 0) return;
    const auto burst = [&](double rate) {
        return config.rate_limit_burst > 0 ? config.rate_limit_burst : std::max(10.0, 2 * rate);
    };
    auto by_address =
        std::make_shared<http::RateLimiter>(config.rate_limit_per_address, burst(config.rate_limit_per_address));
    auto by_user = std::make_shared<http::RateLimiter>(config.rate_limit_per_user, burst(config.rate_limit_per_user));
    router.set_admission([by_address, by_user, &jwt](const http::Request& req) -> std::optional<http::Response> {
        if (exempt(req)) return std::nullopt;
        if (auto wait = by_address->take(req.remote_address))
            return limited("too many requests from " + req.remote_address, *wait);
        if (!by_user->enabled() || !req.header("authorization")) return std::nullopt;
        std::string user;
        try {
            user = auth::authenticate(req, jwt);  // an unverified `sub` could spend another user's budget
        } catch (const http::HttpError&) {
            return std::nullopt;  // the route answers 401 itself
        }
        if (auto wait = by_user->take(user)) return limited("too many requests for user " + user, *wait);
        return std::nullopt;
    });
}

}  // namespace todoai::app
