// GET /api/{user_id}/notifications; marking one or all read; deleting one.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "core/field_error.hpp"
#include "core/task.hpp"
#include "core/time.hpp"
#include "runtime/auth/request_auth.hpp"
#include "runtime/http/page.hpp"
#include "runtime/http/problem.hpp"
#include "services/notification/notification_service.hpp"
#include "services/notification/reminder_repository.hpp"

namespace todoai::notification {
namespace {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

struct ListQuery {
    bool unread_only = false;
    std::size_t limit = limits::kPageLimitDefault;
    std::optional<NotificationCursor> after;
};

// The cursor is opaque to clients: hex of "<fired_at> <id>" of the last item of the page.
constexpr char kHex[] = "0123456789abcdef";

std::string encode_cursor(const Notification& last) {
    std::string plain = last.fired_at + " " + last.id;
    std::string out;
    out.reserve(plain.size() * 2);
    for (unsigned char c : plain) {
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<NotificationCursor> decode_cursor(std::string_view text) {
    if (text.size() % 2 != 0 || text.size() > 512) return std::nullopt;
    std::string plain;
    plain.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_digit(text[i]);
        int lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        plain += static_cast<char>(hi * 16 + lo);
    }
    auto space = plain.find(' ');
    if (space == std::string::npos || space + 1 == plain.size()) return std::nullopt;
    NotificationCursor cursor{plain.substr(0, space), plain.substr(space + 1)};
    auto t = parse_rfc3339(cursor.fired_at);
    if (!t || format_rfc3339(*t) != cursor.fired_at) return std::nullopt;
    return cursor;
}

ListQuery parse_list_query(const Request& req) {
    ListQuery q;
    FieldErrors errors;
    if (auto v = req.query_param("unread") ? req.query_param("unread") : req.query_param("unread_only")) {
        if (*v == "true") {
            q.unread_only = true;
        } else if (*v != "false") {
            errors.push_back({"unread", "must be true or false"});
        }
    }
    if (auto v = req.query_param("limit")) {
        int limit = 0;
        auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), limit);
        if (ec != std::errc{} || end != v->data() + v->size() || limit < limits::kPageLimitMin ||
            limit > limits::kPageLimitMax) {
            errors.push_back({"limit", "must be an integer from 1 to 200"});
        } else {
            q.limit = static_cast<std::size_t>(limit);
        }
    }
    if (auto v = req.query_param("cursor"); v && !v->empty()) {
        q.after = decode_cursor(*v);
        if (!q.after) errors.push_back({"cursor", "is not a cursor this list gave out"});
    }
    if (!errors.empty()) throw http::HttpError(422, "invalid list parameters", std::move(errors));
    return q;
}

json::object to_json(const Notification& n) {
    return json::object{{"id", n.id},
                        {"task_id", n.task_id},
                        {"title", n.title},
                        {"remind_at", n.remind_at},
                        {"fired_at", n.fired_at},
                        {"read", n.read}};
}

}  // namespace

void NotificationService::register_routes(http::Router& router, const auth::JwtCodec& jwt) {
    auth::add_user_route(router, Method::get, "/notifications", [this, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        ListQuery q = parse_list_query(req);
        std::vector<Notification> page;
        {
            auto tx = db_.begin(store::Database::Access::read);
            page = repo::list_notifications(*tx, user, q.unread_only, q.after, q.limit);
        }
        std::optional<std::string> next_cursor;
        if (page.size() > q.limit) {
            page.resize(q.limit);
            next_cursor = encode_cursor(page.back());
        }
        json::array items;
        items.reserve(page.size());
        for (const auto& n : page) items.push_back(to_json(n));
        return http::page_response(req, json::serialize(items), next_cursor);
    }, jwt);
    const auto read_one = [this, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        const std::string id(req.param("id"));
        std::optional<Notification> n;
        {
            auto tx = db_.begin(store::Database::Access::write);
            n = repo::mark_read(*tx, user, id);
            if (n) tx->commit();
        }
        if (!n) throw http::HttpError(404, "no notification '" + id + "' for this user");
        return Response::json(200, to_json(*n));
    };
    auth::add_user_route(router, Method::post, "/notifications/{id}/read", read_one, jwt);
    auth::add_user_route(router, Method::patch, "/notifications/{id}/read", read_one, jwt);
    // A literal segment wins over {id}, so "read-all" is never taken for a notification id.
    auth::add_user_route(router, Method::patch, "/notifications/read-all", [this, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        std::size_t changed = 0;
        {
            auto tx = db_.begin(store::Database::Access::write);
            changed = repo::mark_all_read(*tx, user);
            tx->commit();
        }
        return Response::json(200, json::object{{"count", changed}});
    }, jwt);
    auth::add_user_route(router, Method::del, "/notifications/{id}", [this, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        const std::string id(req.param("id"));
        bool removed = false;
        {
            auto tx = db_.begin(store::Database::Access::write);
            removed = repo::remove_notification(*tx, user, id);
            if (removed) tx->commit();
        }
        if (!removed) throw http::HttpError(404, "no notification '" + id + "' for this user");
        return Response::json(200, json::object{{"success", true}});
    }, jwt);
}

}  // namespace todoai::notification
