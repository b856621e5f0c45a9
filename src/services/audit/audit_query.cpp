#include "services/audit/audit_query.hpp"

#include <charconv>

#include "core/time.hpp"
#include "services/audit/audit_event.hpp"

namespace todoai::audit {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::size_t kMaxCursorLength = 32;  // 19 digits of an int64 take 26 characters

std::optional<std::string_view> non_empty(const http::Request& req, std::string_view name) {
    auto v = req.query_param(name);
    if (v && v->empty()) return std::nullopt;
    return v;
}

}  // namespace

std::string encode_cursor(std::int64_t seq) {
    const auto digits = std::to_string(seq);
    std::string out;
    std::uint32_t bits = 0;
    int pending = 0;
    for (unsigned char c : digits) {
        bits = (bits << 8) | c;
        pending += 8;
        while (pending >= 6) {
            pending -= 6;
            out += kAlphabet[(bits >> pending) & 0x3f];
        }
    }
    if (pending > 0) out += kAlphabet[(bits << (6 - pending)) & 0x3f];
    return out;
}

std::optional<std::int64_t> decode_cursor(std::string_view text) {
    if (text.empty() || text.size() > kMaxCursorLength) return std::nullopt;
    std::string digits;
    std::uint32_t bits = 0;
    int pending = 0;
    for (char c : text) {
        const auto at = kAlphabet.find(c);
        if (at == std::string_view::npos) return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(at);
        pending += 6;
        if (pending >= 8) {
            pending -= 8;
            digits += static_cast<char>((bits >> pending) & 0xff);
        }
    }
    std::int64_t seq = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (ec != std::errc{} || end != digits.data() + digits.size() || seq <= 0) return std::nullopt;
    if (encode_cursor(seq) != text) return std::nullopt;  // only the canonical spelling (no "007", stray bits, ...)
    return seq;
}

std::variant<AuditQuery, FieldErrors> parse_audit_query(const http::Request& req) {
    AuditQuery q;
    FieldErrors errors;
    if (auto v = non_empty(req, "task_id")) {
        if (v->size() > kMaxIdLength)
            errors.push_back({"task_id", "must be at most " + std::to_string(kMaxIdLength) + " characters"});
        else
            q.task_id = std::string(*v);
    }
    if (auto v = non_empty(req, "event_type")) {
        if (auto type = canonical_event_type(*v))
            q.event_type = std::string(*type);
        else
            errors.push_back({"event_type",
                              "must be a task or reminder event type, e.g. com.todoai.task.created or task-created "
                              "(created, updated, completed, deleted; reminder-scheduled, reminder-fired)"});
    }
    for (auto [name, target] : {std::pair{"from", &q.from}, std::pair{"to", &q.to}}) {
        if (auto v = non_empty(req, name)) {
            if (auto t = parse_rfc3339(*v))
                *target = format_rfc3339(*t);
            else
                errors.push_back({name, "must be an RFC 3339 date-time, e.g. 2026-02-08T10:00:00Z"});
        }
    }
    if (auto v = req.query_param("limit")) {
        int limit = 0;
        auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), limit);
        if (ec != std::errc{} || end != v->data() + v->size() || limit < 1 || limit > kMaxLimit)
            errors.push_back({"limit", "must be an integer from 1 to " + std::to_string(kMaxLimit)});
        else
            q.limit = limit;
    }
    if (auto v = non_empty(req, "cursor")) {
        q.before_seq = decode_cursor(*v);
        if (!q.before_seq) errors.push_back({"cursor", "is not a cursor this list gave out"});
    }
    if (!errors.empty()) return errors;
    return q;
}

}  // namespace todoai::audit
