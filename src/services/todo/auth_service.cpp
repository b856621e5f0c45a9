#include "services/todo/auth_service.hpp"

#include "core/field_error.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"
#include "runtime/http/problem.hpp"
#include "services/todo/user_repository.hpp"

namespace todoai::todo {
namespace {

constexpr std::size_t kEmailMax = 254;
constexpr std::size_t kPasswordMin = 8;
constexpr std::size_t kPasswordMax = 256;
constexpr std::size_t kNameMax = 100;

bool plausible_email(std::string_view e) {
    auto at = e.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= e.size() || e.find('@', at + 1) != std::string_view::npos)
        return false;
    for (unsigned char c : e)
        if (c <= ' ' || c == 0x7f) return false;
    return e.substr(at + 1).find('.') != std::string_view::npos;
}

struct Credentials {
    std::string email;
    std::string password;
    std::string name;
};

// Reads {email, password[, name]}: every problem reported with its field, unknown fields included.
Credentials read_credentials(const boost::json::value& body, bool with_name) {
    if (!body.is_object()) throw http::HttpError(422, "expected a JSON object", {{"", "expected an object"}});
    const auto& obj = body.get_object();
    FieldErrors errors;
    Credentials c;
    auto text = [&](std::string_view field, std::string& out) {
        auto* v = obj.if_contains(field);
        if (!v) return false;
        if (!v->is_string()) {
            errors.push_back({std::string(field), "must be a string"});
            return false;
        }
        out = std::string(v->get_string());
        return true;
    };
    if (!text("email", c.email)) {
        if (!obj.contains("email")) errors.push_back({"email", "is required"});
    } else if (c.email.size() > kEmailMax || !plausible_email(c.email)) {
        errors.push_back({"email", "must be an email address of at most 254 characters"});
    }
    if (!text("password", c.password)) {
        if (!obj.contains("password")) errors.push_back({"password", "is required"});
    } else if (with_name && (c.password.size() < kPasswordMin || c.password.size() > kPasswordMax)) {
        errors.push_back({"password", "must be 8 to 256 bytes long"});
    }
    if (with_name && text("name", c.name) && (c.name.empty() || c.name.size() > kNameMax))
        errors.push_back({"name", "must be 1 to 100 characters"});
    for (const auto& [key, _] : obj) {
        if (key == "email" || key == "password" || (with_name && key == "name")) continue;
        errors.push_back({std::string(key), "unknown field"});
    }
    if (!errors.empty()) throw http::HttpError(422, "invalid credentials payload", std::move(errors));
    c.email = to_lower_ascii(c.email);
    if (with_name && c.name.empty()) c.name = c.email.substr(0, c.email.find('@'));
    return c;
}

boost::json::object user_json(const User& u) {
    return {{"id", u.id}, {"email", u.email}, {"name", u.name}, {"created_at", u.created_at}};
}

}  // namespace

AuthService::AuthService(store::Database& db,
                         const auth::JwtCodec& jwt,
                         const auth::PasswordHasher& hasher,
                         const Clock& clock,
                         std::chrono::seconds token_ttl,
                         AttemptLimits limits)
    : db_(db), jwt_(jwt), hasher_(hasher), clock_(clock), token_ttl_(token_ttl), attempts_(limits) {}

boost::json::object AuthService::session(const boost::json::object& user) const {
    const auto id = user.at("id").as_string();
    return {{"user", user},
            {"token", jwt_.issue(std::string_view(id), token_ttl_)},
            {"expires_at", format_rfc3339(clock_.now() + token_ttl_)}};
}

boost::json::object AuthService::sign_up(const boost::json::value& body, std::string_view client) {
    auto c = read_credentials(body, true);
    attempts_.check(c.email, client);
    const auto now = clock_.now();
    User user{new_uuid_v7(now), c.email, c.name, hasher_.hash(c.password), format_rfc3339(now)};
    auto tx = db_.begin(store::Database::Access::write);
    try {
        UserRepository::insert(*tx, user);
        tx->commit();
    } catch (const store::StoreError& e) {
        if (e.kind() != store::StoreError::Kind::constraint) throw;
        attempts_.failed(c.email, client);
        throw http::HttpError(409, "an account with email '" + c.email + "' already exists; sign in instead");
    }
    return session(user_json(user));
}

boost::json::object AuthService::sign_in(const boost::json::value& body, std::string_view client) {
    auto c = read_credentials(body, false);
    attempts_.check(c.email, client);
    std::optional<User> user;
    {
        auto tx = db_.begin(store::Database::Access::read);
        user = UserRepository::find_by_email(*tx, c.email);
    }
    if (!user) {
        std::call_once(dummy_once_, [&] { dummy_hash_ = hasher_.hash("not a real password"); });
        hasher_.verify(c.password, dummy_hash_);
        attempts_.failed(c.email, client);
        throw http::HttpError(401, "wrong email or password");
    }
    if (!hasher_.verify(c.password, user->password_hash)) {
        attempts_.failed(c.email, client);
        throw http::HttpError(401, "wrong email or password");
    }
    return session(user_json(*user));
}

boost::json::object AuthService::me(const std::string& user_id) {
    auto tx = db_.begin(store::Database::Access::read);
    if (auto user = UserRepository::find_by_id(*tx, user_id)) return user_json(*user);
    return {{"id", user_id}};
}

}  // namespace todoai::todo
