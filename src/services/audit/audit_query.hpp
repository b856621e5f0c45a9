#pragma once
// The query of GET /api/{user_id}/audit and its opaque cursor.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/field_error.hpp"
#include "runtime/http/request.hpp"

namespace todoai::audit {

inline constexpr int kDefaultLimit = 50;
inline constexpr int kMaxLimit = 200;

struct AuditQuery {
    std::optional<std::string> task_id;
    std::optional<std::string> event_type;  // always the full CloudEvent type
    std::optional<std::string> from;        // inclusive, format_rfc3339 text (compared with the stored timestamp)
    std::optional<std::string> to;          // inclusive
    int limit = kDefaultLimit;
    std::optional<std::int64_t> before_seq;  // from the cursor: items older than this one
};

/// Reads task_id, event_type (full "com.todoai.task.created" or short "task-created"), from, to (RFC 3339),
/// limit (1..200) and cursor. Empty values count as absent. Returns every offending parameter by name.
std::variant<AuditQuery, FieldErrors> parse_audit_query(const http::Request& req);

/// The cursor handed out after an item: base64url (no padding) of its seq in decimal.
std::string encode_cursor(std::int64_t seq);
/// nullopt unless `text` is a cursor encode_cursor could have produced.
std::optional<std::int64_t> decode_cursor(std::string_view text);

}  // namespace todoai::audit
