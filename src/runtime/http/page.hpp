#pragma once
// One page of a list as every list route answers it: a JSON array body, the next page in `Link: <…>; rel="next"`
// (RFC 8288) and `X-Next-Cursor` (for clients that cannot read Link), both absent on the last page.
#include <optional>
#include <string>
#include <string_view>

#include "runtime/http/request.hpp"
#include "runtime/http/response.hpp"

namespace todoai::http {

/// A serialized page: the JSON array of its items and the cursor of the next page, if any.
struct JsonPage {
    std::string array = "[]";
    std::optional<std::string> next_cursor;

    bool operator==(const JsonPage&) const = default;
};

/// The request's own target with its `cursor` parameter replaced by `cursor` (every other parameter kept as sent).
/// `cursor` must need no percent-encoding (the lists give out base64url).
std::string next_page_target(std::string_view target, std::string_view cursor);

/// 200 with `json_array` (already serialized, "[...]") and, when `next_cursor` is set, the Link and X-Next-Cursor
/// headers pointing at next_page_target(req.target, *next_cursor).
Response page_response(const Request& req, std::string json_array, const std::optional<std::string>& next_cursor);
inline Response page_response(const Request& req, JsonPage page) {
    return page_response(req, std::move(page.array), page.next_cursor);
}

}  // namespace todoai::http
