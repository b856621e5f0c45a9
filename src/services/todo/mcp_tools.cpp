#include "services/todo/mcp_tools.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "runtime/auth/request_auth.hpp"
#include "runtime/http/problem.hpp"

namespace todoai::todo {
namespace {

namespace json = boost::json;
using http::Method;

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// The REST request a tool stands for, as the caller: its answer's JSON, or the problem's detail as the tool error.
class Rest {
  public:
    Rest(const http::Router& router, const mcp::Caller& caller) : router_(router), caller_(caller) {}

    mcp::ToolResult call(Method method,
                         const std::string& suffix,
                         std::vector<std::pair<std::string, std::string>> query = {},
                         const json::value* body = nullptr) const {
        http::Request req;
        req.method = method;
        req.path = "/api/" + caller_.user_id + suffix;
        req.target = req.path;
        for (std::size_t i = 0; i < query.size(); ++i)
            req.target += (i ? "&" : "?") + query[i].first + "=" + percent_encode(query[i].second);
        req.query = std::move(query);
        req.headers.emplace_back("authorization", caller_.authorization);
        if (body != nullptr) {
            req.headers.emplace_back("content-type", "application/json");
            req.body = json::serialize(*body);
        }
        req.request_id = "mcp";
        auto res = router_.dispatch(req);
        json::error_code ec;
        json::value parsed = res.body.empty() ? json::value(nullptr) : json::parse(res.body, ec);
        if (res.status >= 400) {
            std::string why = "HTTP " + std::to_string(res.status);
            if (const json::object* p = ec ? nullptr : parsed.if_object()) {
                if (const auto* detail = p->if_contains("detail"); detail && detail->is_string())
                    why += ": " + std::string(detail->get_string());
                if (const auto* errors = p->if_contains("errors"); errors && errors->is_array())
                    why += " " + json::serialize(*errors);
            }
            return mcp::ToolResult::fail(std::move(why));
        }
        if (ec) return mcp::ToolResult::fail("unexpected answer from " + req.path);
        return mcp::ToolResult::ok(std::move(parsed));
    }

  private:
    const http::Router& router_;
    const mcp::Caller& caller_;
};

// The `task_id` argument: a non-empty string (the JSON Schema says so; a client may still send anything).
std::optional<std::string> task_id(const json::object& args) {
    const auto* v = args.if_contains("task_id");
    if (v == nullptr || !v->is_string() || v->get_string().empty()) return std::nullopt;
    return std::string(v->get_string());
}

const mcp::ToolResult kNeedsTaskId = mcp::ToolResult::fail("task_id is required: the id of one of your tasks");

json::object schema(json::object properties, json::array required = {}) {
    json::object s{{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
    if (!required.empty()) s["required"] = std::move(required);
    return s;
}

// The task fields a tool may set (the REST input; aliases and the rest of the fields are accepted there too).
json::object task_field_properties() {
    return json::object{
        {"title", json::object{{"type", "string"}, {"minLength", 1}, {"maxLength", 255}}},
        {"description", json::object{{"type", "string"}, {"maxLength", 10000}}},
        {"status", json::object{{"type", "string"}, {"enum", json::array{"pending", "in_progress", "complete"}}}},
        {"priority", json::object{{"type", "string"}, {"enum", json::array{"low", "medium", "high"}}}},
        {"tags", json::object{{"type", "array"}, {"items", json::object{{"type", "string"}}}, {"maxItems", 20}}},
        {"category", json::object{{"type", "string"}, {"maxLength", 50}}},
        {"due_date",
         json::object{{"type", "string"}, {"description", "RFC 3339 date-time, or a date (the end of that day, UTC)"}}},
        {"recurrence_rule",
         json::object{{"type", "string"},
                      {"description", "daily, weekly, monthly, yearly, none, or an RFC 5545 RRULE"}}},
        {"reminder_time", json::object{{"type", "string"}, {"description", "RFC 3339: one reminder at that time"}}},
    };
}

json::object with_task_id(json::object properties) {
    properties["task_id"] = json::object{{"type", "string"}, {"minLength", 1}, {"description", "The task's id"}};
    return properties;
}

}  // namespace

std::vector<mcp::Tool> task_tools(const http::Router& router) {
    const http::Router* r = &router;
    std::vector<mcp::Tool> tools;
    tools.push_back({"add_task", "Create a task for the user. Returns the task with its id.",
                     schema(task_field_properties(), json::array{"title"}),
                     [r](const json::object& args, const mcp::Caller& c) {
                         const json::value body = args;
                         return Rest(*r, c).call(Method::post, "/tasks", {}, &body);
                     }});
    tools.push_back(
        {"list_tasks", "List the user's tasks, newest first.",
         schema(json::object{
             {"status", json::object{{"type", "string"}, {"enum", json::array{"all", "pending", "completed"}},
                                     {"default", "all"}}},
             {"limit", json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 200}, {"default", 50}}}}),
         [r](const json::object& args, const mcp::Caller& c) {
             std::vector<std::pair<std::string, std::string>> q;
             if (const auto* s = args.if_contains("status")) {
                 if (!s->is_string()) return mcp::ToolResult::fail("status must be all, pending or completed");
                 q.emplace_back("status", std::string(s->get_string()));
             }
             if (const auto* l = args.if_contains("limit")) {
                 if (!l->is_int64() && !l->is_uint64()) return mcp::ToolResult::fail("limit must be an integer");
                 q.emplace_back("limit", json::serialize(*l));
             }
             return Rest(*r, c).call(Method::get, "/tasks", std::move(q));
         }});
    tools.push_back({"complete_task", "Mark a task complete (a recurring task schedules its next instance).",
                     schema(with_task_id({}), json::array{"task_id"}),
                     [r](const json::object& args, const mcp::Caller& c) {
                         auto id = task_id(args);
                         if (!id) return kNeedsTaskId;
                         Rest rest(*r, c);
                         auto current = rest.call(Method::get, "/tasks/" + *id);
                         if (current.is_error) return current;
                         // Completing twice is not reopening it: the REST toggle would.
                         if (current.value.at("status") == "complete") return current;
                         return rest.call(Method::patch, "/tasks/" + *id + "/complete");
                     }});
    tools.push_back({"delete_task", "Delete a task.", schema(with_task_id({}), json::array{"task_id"}),
                     [r](const json::object& args, const mcp::Caller& c) {
                         auto id = task_id(args);
                         if (!id) return kNeedsTaskId;
                         auto res = Rest(*r, c).call(Method::del, "/tasks/" + *id);
                         if (res.is_error) return res;
                         return mcp::ToolResult::ok(json::object{{"deleted", *id}});
                     }});
    tools.push_back({"update_task", "Change some fields of a task (the others stay as they are).",
                     schema(with_task_id(task_field_properties()), json::array{"task_id"}),
                     [r](const json::object& args, const mcp::Caller& c) {
                         auto id = task_id(args);
                         if (!id) return kNeedsTaskId;
                         json::value patch = args;
                         patch.as_object().erase("task_id");
                         return Rest(*r, c).call(Method::patch, "/tasks/" + *id, {}, &patch);
                     }});
    tools.push_back(
        {"search_tasks", "Find the user's tasks whose title or description contains the text.",
         schema(json::object{{"query", json::object{{"type", "string"}, {"minLength", 1}}},
                             {"limit", json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}}},
                json::array{"query"}),
         [r](const json::object& args, const mcp::Caller& c) {
             const auto* q = args.if_contains("query");
             if (q == nullptr || !q->is_string() || q->get_string().empty())
                 return mcp::ToolResult::fail("query is required: the text to look for");
             std::vector<std::pair<std::string, std::string>> params{{"q", std::string(q->get_string())}};
             if (const auto* l = args.if_contains("limit")) params.emplace_back("limit", json::serialize(*l));
             return Rest(*r, c).call(Method::get, "/tasks", std::move(params));
         }});
    tools.push_back({"list_reminders", "The reminders of the user's open tasks (or of one task).",
                     schema(json::object{{"task_id", json::object{{"type", "string"}, {"minLength", 1}}}}),
                     [r](const json::object& args, const mcp::Caller& c) {
                         Rest rest(*r, c);
                         json::array tasks;
                         if (auto id = task_id(args)) {
                             auto t = rest.call(Method::get, "/tasks/" + *id);
                             if (t.is_error) return t;
                             tasks.push_back(std::move(t.value));
                         } else {
                             auto page = rest.call(Method::get, "/tasks", {{"status", "pending"}, {"limit", "200"}});
                             if (page.is_error) return page;
                             tasks = std::move(page.value.as_array());
                         }
                         json::array out;
                         for (const auto& t : tasks) {
                             for (const auto& rem : t.at("reminders").as_array())
                                 out.push_back(json::object{{"task_id", t.at("id")},
                                                            {"title", t.at("title")},
                                                            {"due_date", t.at("due_date")},
                                                            {"reminder", rem}});
                         }
                         return mcp::ToolResult::ok(std::move(out));
                     }});
    tools.push_back({"get_history", "What happened to a task (created, updated, completed, reminders), newest first.",
                     schema(with_task_id({}), json::array{"task_id"}),
                     [r](const json::object& args, const mcp::Caller& c) {
                         auto id = task_id(args);
                         if (!id) return kNeedsTaskId;
                         auto res = Rest(*r, c).call(Method::get, "/audit", {{"task_id", *id}});
                         if (res.is_error && res.error.rfind("HTTP 404: no route", 0) == 0)
                             return mcp::ToolResult::fail("the audit trail is not served by this process");
                         return res;
                     }});
    return tools;
}

void register_mcp_route(http::Router& router, const mcp::Server& server, const auth::JwtCodec& jwt) {
    router.add(Method::post, "/mcp", [&server, &jwt](http::Request& req) {
        mcp::Caller caller{auth::authenticate(req, jwt), std::string(req.header("authorization").value_or(""))};
        auto answer = server.handle(req.body, caller);
        if (!answer) return http::Response::empty(202);
        return http::Response{.body = std::move(*answer)};
    });
}

}  // namespace todoai::todo
