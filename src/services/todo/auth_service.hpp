#pragma once
// Sign-up, sign-in and "who am I": users with argon2id password hashes, answered with HS256 tokens.
#include <boost/json/object.hpp>
#include <chrono>
#include <mutex>

#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/auth/password.hpp"
#include "runtime/store/database.hpp"
#include "services/todo/auth_attempts.hpp"

namespace todoai::todo {

class AuthService {
  public:
    AuthService(store::Database& db,
                const auth::JwtCodec& jwt,
                const auth::PasswordHasher& hasher,
                const Clock& clock,
                std::chrono::seconds token_ttl,
                AttemptLimits limits = {});

    /// {email, password, name} -> {user, token, expires_at}; 422 naming bad fields, 409 when the email exists.
    /// `client` is the caller's address, for the failed-attempt limits (429).
    boost::json::object sign_up(const boost::json::value& body, std::string_view client = {});
    /// {email, password} -> {user, token, expires_at}; 401 for an unknown email or a wrong password (same answer);
    /// 429 with Retry-After once the account or the address has used up its failed attempts.
    boost::json::object sign_in(const boost::json::value& body, std::string_view client = {});
    /// The user behind a token; a user known only by a token from another issuer is {id} alone.
    boost::json::object me(const std::string& user_id);

  private:
    boost::json::object session(const boost::json::object& user) const;

    store::Database& db_;
    const auth::JwtCodec& jwt_;
    const auth::PasswordHasher& hasher_;
    const Clock& clock_;
    std::chrono::seconds token_ttl_;
    AuthAttempts attempts_;
    std::once_flag dummy_once_;
    std::string dummy_hash_;  // verified against when the email is unknown, so timing does not reveal accounts
};

}  // namespace todoai::todo
