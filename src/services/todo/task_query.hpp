#pragma once
// The task list's query: filters, sort and cursor, parsed from the query string (DESIGN.md "HTTP API").
#include <optional>
#include <string>
#include <variant>

#include "core/clock.hpp"
#include "core/field_error.hpp"
#include "core/task.hpp"
#include "runtime/http/request.hpp"

namespace todoai::todo {

enum class SortKey { created_at, due_date, priority, title };
enum class SortOrder { asc, desc };

/// Where the previous page ended: the sort key's value and the id of its last task.
struct Cursor {
    std::variant<std::string, std::int64_t> key;
    std::string id;
};

struct TaskQuery {
    std::optional<TaskStatus> status;
    std::optional<Priority> priority;
    std::optional<std::string> tag;
    std::optional<std::string> category;  // exact match
    std::optional<std::string> search;  // lowercased
    std::optional<Timestamp> due_from;
    std::optional<Timestamp> due_to;
    SortKey sort = SortKey::created_at;
    SortOrder order = SortOrder::desc;
    int limit = limits::kPageLimitDefault;
    std::optional<Cursor> after;
};

/// Reads `status`, `priority`, `tag`, `q`|`search`, `due_from`, `due_to`, `sort`|`sort_by`, `order`|`sort_order`,
/// `limit`, `cursor`. Unknown parameters are ignored (clients add cache busters); bad values are reported per
/// parameter. A cursor made under another sort or order is rejected.
std::variant<TaskQuery, FieldErrors> parse_task_query(const http::Request& req);

/// Opaque cursor text for the page after `last` under `query`'s sort and order.
std::string encode_cursor(const TaskQuery& query, const Cursor& last);

}  // namespace todoai::todo
