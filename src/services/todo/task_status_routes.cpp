#include "services/todo/task_status_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "runtime/http/json_body.hpp"
#include "runtime/http/problem.hpp"
#include "services/todo/app_token.hpp"

namespace todoai::todo {
namespace {

namespace json = boost::json;

constexpr std::size_t kIdMax = 255;

std::vector<std::string> parse_ids(const json::value& body_value) {
    if (!body_value.is_object()) throw http::HttpError(422, "the body must be a JSON object", {{"", "not an object"}});
    const auto& body = body_value.get_object();
    FieldErrors errors;
    for (const auto& [key, value] : body)
        if (key != "ids") errors.push_back({std::string(key), "unknown field"});
    std::vector<std::string> ids;
    const auto* list = body.if_contains("ids");
    if (list == nullptr) {
        errors.push_back({"ids", "required"});
    } else if (!list->is_array()) {
        errors.push_back({"ids", "must be an array of task ids"});
    } else if (list->get_array().size() > kOpenTasksMaxIds) {
        errors.push_back({"ids", "at most " + std::to_string(kOpenTasksMaxIds) + " ids per request"});
    } else {
        const auto& array = list->get_array();
        ids.reserve(array.size());
        for (std::size_t i = 0; i < array.size(); ++i) {
            const auto& v = array[i];
            if (!v.is_string() || v.get_string().empty() || v.get_string().size() > kIdMax) {
                errors.push_back({"ids[" + std::to_string(i) + "]", "must be a string of 1 to 255 bytes"});
                continue;
            }
            ids.emplace_back(v.get_string());
        }
    }
    if (!errors.empty()) throw http::HttpError(422, "invalid open-tasks request", std::move(errors));
    return ids;
}

}  // namespace

void register_task_status_routes(http::Router& router, TaskService& tasks, std::string app_token) {
    router.add(http::Method::post, "/internal/tasks/open", [&tasks, token = std::move(app_token)](http::Request& req) {
        check_app_token(req, token);
        const auto ids = parse_ids(http::parse_json_body(req));
        json::array open;
        for (auto& id : tasks.open_task_ids(ids)) open.emplace_back(json::string(id));
        return http::Response::json(200, json::object{{"open", std::move(open)}});
    });
}

}  // namespace todoai::todo
