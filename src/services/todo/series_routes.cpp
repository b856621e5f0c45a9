#include "services/todo/series_routes.hpp"

#include <boost/json/value.hpp>
#include <optional>
#include <variant>

#include "core/recurrence.hpp"
#include "core/task_json.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"
#include "runtime/http/json_body.hpp"
#include "runtime/http/problem.hpp"
#include "services/todo/app_token.hpp"

namespace todoai::todo {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr std::size_t kIdMax = 255;

struct NextRequest {
    std::string id;
    std::string user_id;
    TaskFields fields;
    std::optional<std::string> correlation_id;
    std::optional<std::string> completed_task_id;
};

const json::string* string_field(const json::object& body, std::string_view name, FieldErrors& errors) {
    const auto* v = body.if_contains(name);
    if (!v) {
        errors.push_back({std::string(name), "required"});
        return nullptr;
    }
    if (!v->is_string()) {
        errors.push_back({std::string(name), "must be a string"});
        return nullptr;
    }
    return &v->get_string();
}

NextRequest parse_next_request(std::string_view series_id, const json::value& body_value) {
    if (!body_value.is_object()) throw http::HttpError(422, "the body must be a JSON object", {{"", "not an object"}});
    const auto& body = body_value.get_object();
    FieldErrors errors;
    for (const auto& [key, value] : body)
        if (key != "id" && key != "user_id" && key != "due_date" && key != "task" && key != "correlation_id" &&
            key != "completed_task_id")
            errors.push_back({std::string(key), "unknown field"});

    NextRequest out;
    std::optional<Timestamp> due;
    if (const auto* id = string_field(body, "id", errors)) {
        out.id.assign(id->begin(), id->end());
        if (!is_uuid(out.id)) errors.push_back({"id", "must be a UUID"});
    }
    if (const auto* user = string_field(body, "user_id", errors)) {
        out.user_id.assign(user->begin(), user->end());
        if (out.user_id.empty() || out.user_id.size() > kIdMax) errors.push_back({"user_id", "must be 1 to 255 bytes"});
    }
    if (const auto* text = string_field(body, "due_date", errors)) {
        due = parse_rfc3339(*text);
        if (!due) errors.push_back({"due_date", "must be an RFC 3339 date-time with a time zone"});
    }
    if (const auto* c = body.if_contains("correlation_id"); c && !c->is_null()) {
        if (c->is_string() && !c->get_string().empty() && c->get_string().size() <= kIdMax)
            out.correlation_id.emplace(c->get_string());
        else
            errors.push_back({"correlation_id", "must be a string of 1 to 255 bytes"});
    }
    if (const auto* c = body.if_contains("completed_task_id"); c && !c->is_null()) {
        if (c->is_string() && !c->get_string().empty() && c->get_string().size() <= kIdMax)
            out.completed_task_id.emplace(c->get_string());
        else
            errors.push_back({"completed_task_id", "must be a string of 1 to 255 bytes"});
    }
    if (const auto* task = body.if_contains("task"); !task) {
        errors.push_back({"task", "required"});
    } else {
        auto parsed = parse_task_fields(*task);
        if (auto* task_errors = std::get_if<FieldErrors>(&parsed)) {
            for (auto& e : *task_errors) errors.push_back({e.field.empty() ? "task" : "task." + e.field, e.message});
        } else {
            out.fields = std::move(std::get<TaskFields>(parsed));
            if (!out.fields.is_recurring) errors.push_back({"task.is_recurring", "a series instance must recur"});
            if (due && out.fields.due_date && *out.fields.due_date != *due)
                errors.push_back({"task.due_date", "must equal due_date"});
            if (due) out.fields.due_date = *due;
        }
    }
    if (errors.empty() && due && out.id != instance_id(series_id, *due))
        errors.push_back({"id", "is not the instance id of this series and due_date"});
    if (!errors.empty()) throw http::HttpError(422, "invalid next-instance request", std::move(errors));
    return out;
}

}  // namespace

void register_series_routes(http::Router& router, TaskService& tasks, std::string app_token) {
    router.add(http::Method::post, "/internal/series/{series_id}/next",
               [&tasks, token = std::move(app_token)](Request& req) {
                   check_app_token(req, token);
                   const auto series_id = std::string(req.param("series_id"));
                   if (!is_uuid(series_id))
                       throw http::HttpError(422, "series id '" + series_id + "' is not a UUID",
                                             {{"series_id", "must be a UUID"}});
                   auto next = parse_next_request(series_id, http::parse_json_body(req));
                   auto result = tasks.create_series_instance(next.user_id, next.id, series_id, std::move(next.fields),
                                                              std::move(next.correlation_id), next.completed_task_id);
                   Response res{.status = result.created ? 201 : 200, .body = std::move(result.task.doc)};
                   std::string etag(1, '"');  // appended, not '"' + ...: GCC 12 warns (-Wrestrict) on that
                   etag.append(std::to_string(result.task.version)).push_back('"');
                   res.headers.emplace_back("ETag", std::move(etag));
                   res.headers.emplace_back("Location", "/api/" + next.user_id + "/tasks/" + next.id);
                   return res;
               });
}

}  // namespace todoai::todo
