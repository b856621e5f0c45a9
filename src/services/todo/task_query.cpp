#include "services/todo/task_query.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "core/base64url.hpp"
#include "core/task_input.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"

namespace todoai::todo {
namespace {

std::optional<std::string_view> first_of(const http::Request& req, std::string_view a, std::string_view b = {}) {
    if (auto v = req.query_param(a)) return v;
    if (!b.empty()) return req.query_param(b);
    return std::nullopt;
}

std::string_view to_string(SortKey k) {
    switch (k) {
        case SortKey::created_at:
            return "created_at";
        case SortKey::due_date:
            return "due_date";
        case SortKey::priority:
            return "priority";
        case SortKey::title:
            return "title";
    }
    return "created_at";
}

std::optional<SortKey> parse_sort_key(std::string_view s) {
    for (auto k : {SortKey::created_at, SortKey::due_date, SortKey::priority, SortKey::title})
        if (s == to_string(k)) return k;
    return std::nullopt;
}

std::optional<Cursor> decode_cursor(std::string_view text, const TaskQuery& query) {
    auto raw = base64url_decode(text);
    if (!raw) return std::nullopt;
    boost::system::error_code ec;
    auto value = boost::json::parse(*raw, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto& obj = value.get_object();
    auto* sort = obj.if_contains("s");
    auto* order = obj.if_contains("o");
    auto* key = obj.if_contains("k");
    auto* id = obj.if_contains("i");
    if (!sort || !order || !key || !id || !sort->is_string() || !order->is_string() || !id->is_string())
        return std::nullopt;
    if (sort->get_string() != to_string(query.sort)) return std::nullopt;
    if (order->get_string() != (query.order == SortOrder::asc ? "asc" : "desc")) return std::nullopt;
    Cursor cursor{.key = std::string{}, .id = std::string(id->get_string())};
    if (query.sort == SortKey::priority) {
        if (!key->is_int64()) return std::nullopt;
        cursor.key = key->get_int64();
    } else {
        if (!key->is_string()) return std::nullopt;
        cursor.key = std::string(key->get_string());
    }
    return cursor;
}

constexpr std::size_t kSearchMax = 255;  // a title's length: longer text cannot be inside one

}  // namespace

std::variant<TaskQuery, FieldErrors> parse_task_query(const http::Request& req) {
    TaskQuery q;
    FieldErrors errors;
    if (auto v = req.query_param("status"); v && *v != "all" && !v->empty()) {
        // The front ends' words for the two states (as normalise_task_input accepts them in a body).
        q.status = *v == "completed" || *v == "done" ? TaskStatus::complete
                   : *v == "open"                    ? TaskStatus::pending
                                                     : parse_task_status(*v);
        if (!q.status) errors.push_back({"status", "must be one of pending, in_progress, complete, all"});
    }
    if (auto v = req.query_param("priority"); v && !v->empty()) {
        q.priority = parse_priority(*v);
        if (!q.priority) errors.push_back({"priority", "must be one of low, medium, high"});
    }
    if (auto v = req.query_param("tag"); v && !v->empty()) q.tag = std::string(*v);
    if (auto v = req.query_param("category"); v && !v->empty()) q.category = std::string(*v);
    if (auto v = first_of(req, "q", "search"); v && !v->empty()) {
        // SQLite's LIKE stops at a NUL, so "q=%00" matched every task; no stored title or description can hold one.
        if (v->find('\0') != std::string_view::npos)
            errors.push_back({"q", "must not contain a NUL character"});
        else if (!utf8_length(*v))  // no stored text can hold it either (JSON bodies are checked for UTF-8)
            errors.push_back({"q", "must be UTF-8"});
        else if (v->size() > kSearchMax)
            errors.push_back({"q", "must be at most " + std::to_string(kSearchMax) + " bytes"});
        else
            q.search = to_lower_ascii(*v);
    }
    for (auto [name, target] : {std::pair{"due_from", &q.due_from}, std::pair{"due_to", &q.due_to}}) {
        if (auto v = req.query_param(name); v && !v->empty()) {
            *target = parse_rfc3339(*v);
            if (!*target) errors.push_back({name, "must be an RFC 3339 date-time, e.g. 2026-02-08T10:00:00Z"});
        }
    }
    if (auto v = first_of(req, "sort", "sort_by")) {
        auto key = parse_sort_key(snake_case(*v));  // sortBy=dueDate as well as due_date
        if (key)
            q.sort = *key;
        else
            errors.push_back({"sort", "must be one of created_at, due_date, priority, title"});
    }
    if (auto v = first_of(req, "order", "sort_order")) {
        if (*v == "asc")
            q.order = SortOrder::asc;
        else if (*v == "desc")
            q.order = SortOrder::desc;
        else
            errors.push_back({"order", "must be asc or desc"});
    }
    if (auto v = req.query_param("limit")) {
        int limit = 0;
        auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), limit);
        if (ec != std::errc{} || end != v->data() + v->size() || limit < limits::kPageLimitMin ||
            limit > limits::kPageLimitMax)
            errors.push_back({"limit", "must be an integer from 1 to 200"});
        else
            q.limit = limit;
    }
    if (auto v = req.query_param("cursor"); v && !v->empty() && errors.empty()) {
        q.after = decode_cursor(*v, q);
        if (!q.after) errors.push_back({"cursor", "is not a cursor this list gave out for the same sort and order"});
    }
    if (!errors.empty()) return errors;
    return q;
}

std::string encode_cursor(const TaskQuery& query, const Cursor& last) {
    boost::json::object obj;
    obj["s"] = to_string(query.sort);
    obj["o"] = query.order == SortOrder::asc ? "asc" : "desc";
    std::visit([&](const auto& k) { obj["k"] = k; }, last.key);
    obj["i"] = last.id;
    return base64url_encode(boost::json::serialize(obj));
}

}  // namespace todoai::todo
