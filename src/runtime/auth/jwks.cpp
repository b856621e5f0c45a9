#include "runtime/auth/jwks.hpp"

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "runtime/log/log.hpp"

namespace todoai::auth {

std::vector<PublicKey> parse_jwks(std::string_view document, std::vector<std::string>& skipped) {
    boost::json::error_code ec;
    auto value = boost::json::parse(document, ec);
    const boost::json::object* o = ec ? nullptr : value.if_object();
    const boost::json::value* keys = o ? o->if_contains("keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) throw std::invalid_argument("JWKS: not a {\"keys\": [...]} document");
    std::vector<PublicKey> out;
    for (const auto& item : keys->get_array()) {
        if (!item.is_object()) {
            skipped.emplace_back("a key that is not an object");
            continue;
        }
        auto key = parse_jwk(item.get_object());
        if (auto* why = std::get_if<std::string>(&key))
            skipped.push_back(std::move(*why));
        else
            out.push_back(std::get<PublicKey>(std::move(key)));
    }
    return out;
}

JwksKeySet::JwksKeySet(Fetch fetch, const Clock& clock, JwksOptions options)
    : fetch_(std::move(fetch)), clock_(clock), options_(options) {}

std::optional<PublicKey> JwksKeySet::lookup(std::string_view kid) const {
    if (kid.empty()) {
        if (keys_.size() == 1) return keys_.front();
        return std::nullopt;
    }
    for (const auto& key : keys_)
        if (key.kid() == kid) return key;
    return std::nullopt;
}

// Called with mutex_ held: verifications wait for the one fetch in flight rather than each starting their own.
void JwksKeySet::refresh(Timestamp now) {
    attempted_at_ = now;
    try {
        std::vector<std::string> skipped;
        auto keys = parse_jwks(fetch_(), skipped);
        keys_ = std::move(keys);
        fetched_at_ = now;
        problem_.clear();
        for (const auto& why : skipped) problem_ += (problem_.empty() ? "" : "; ") + why;
        if (!problem_.empty()) log::warn("JWKS: skipped keys: " + problem_);
    } catch (const std::exception& e) {
        problem_ = e.what();
        log::warn(std::string("JWKS: fetch failed, keeping the ") + std::to_string(keys_.size()) +
                  " keys from before: " + e.what());
    }
}

std::optional<PublicKey> JwksKeySet::find(std::string_view kid) {
    std::lock_guard lock(mutex_);
    const Timestamp now = clock_.now();
    const bool may_refetch = !attempted_at_ || now - *attempted_at_ >= options_.min_refetch;
    if ((!fetched_at_ || now - *fetched_at_ >= options_.max_age) && may_refetch) refresh(now);
    if (auto key = lookup(kid)) return key;
    // An unknown kid: the issuer may have rotated its keys since we fetched them.
    if (attempted_at_ != now && (!attempted_at_ || now - *attempted_at_ >= options_.min_refetch)) {
        refresh(now);
        return lookup(kid);
    }
    return std::nullopt;
}

std::string JwksKeySet::last_problem() const {
    std::lock_guard lock(mutex_);
    return problem_;
}

}  // namespace todoai::auth
