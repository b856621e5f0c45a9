#pragma once
// Bounds failed sign-ins and sign-ups (a wrong password, an email already taken), per account and per client address:
// a guessing loop gets 429 with Retry-After after a few dozen tries instead of an argon2id hash (64 MiB, tens of
// milliseconds) per guess. Only failures count, so a user who signs in correctly is never limited, and neither are
// many sign-ups from one address (a test suite, an office behind one NAT). Checked before the password is hashed.
#include <chrono>
#include <string_view>

#include "runtime/http/rate_limiter.hpp"

namespace todoai::todo {

struct AttemptLimits {
    int per_account = 10;                 // failures within `window`; 0 = no limit
    int per_address = 30;                 // failures within `window`; 0 = no limit
    std::chrono::seconds window{5 * 60};  // the budget refills evenly over this long
};

class AuthAttempts {
  public:
    explicit AuthAttempts(AttemptLimits limits = {});

    /// Throws HttpError 429 (Retry-After) when the account or the address has no failures left.
    void check(std::string_view email, std::string_view address);
    /// Counts a failed attempt against both.
    void failed(std::string_view email, std::string_view address);

  private:
    http::RateLimiter accounts_;
    http::RateLimiter addresses_;
};

}  // namespace todoai::todo
