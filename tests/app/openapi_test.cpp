// The embedded OpenAPI document against the routes the all-in-one process really serves: the router is the one
// app::AllInOne builds (every route of every service), plus the WebSocket endpoint the server itself answers. The two
// sets of (method, path) must be equal, and the limits, event shapes and security the document states must be the
// code's.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/all_in_one.hpp"
#include "app/config.hpp"
#include "core/clock.hpp"
#include "core/cloud_event.hpp"
#include "core/task.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/http/assets.hpp"
#include "runtime/http/router.hpp"
#include "runtime/http/websocket.hpp"
#include "services/audit/audit_event.hpp"
#include "services/audit/audit_query.hpp"
#include "services/notification/reminder_events.hpp"
#include "services/websocket/feed_event.hpp"
#include "services/websocket/websocket_service.hpp"
#include "support/temp_dir.hpp"

#if __has_include("services/todo/task_status_routes.hpp")
#include "services/todo/task_status_routes.hpp"
#define TODOAI_HAS_OPEN_TASKS 1
#endif

namespace todoai::app {
namespace {

namespace json = boost::json;
using Operation = std::pair<std::string, std::string>;  // (lowercase method, path pattern)

constexpr std::string_view kDocName = "src/services/todo/openapi.json";
const std::set<std::string> kOperationKeys{"get", "put", "post", "delete", "options", "head", "patch", "trace"};
const std::string kSecret(48, 's');
const std::string kAppToken = "app-token-for-the-openapi-test";
constexpr std::string_view kSeriesId = "0190d3e4-5b6a-7c8d-9e0f-1a2b3c4d5e6f";

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string describe(const std::set<Operation>& ops) {
    std::string out;
    for (const auto& [m, p] : ops) out += "  " + m + " " + p + "\n";
    return out.empty() ? "  (none)\n" : out;
}

std::set<std::string> keys(const json::object& o) {
    std::set<std::string> out;
    for (const auto& kv : o) out.insert(std::string(kv.key()));
    return out;
}

std::set<std::string> strings(const json::value& array) {
    std::set<std::string> out;
    for (const auto& v : array.as_array()) out.insert(std::string(v.as_string()));
    return out;
}

// RFC 6901 pointer inside the document, from a "#/..." reference; nullptr when it does not resolve.
const json::value* resolve(const json::value& root, std::string_view ref) {
    if (!ref.starts_with("#")) return nullptr;
    ref.remove_prefix(1);
    const json::value* at = &root;
    while (!ref.empty()) {
        if (ref.front() != '/') return nullptr;
        ref.remove_prefix(1);
        const auto slash = ref.find('/');
        std::string token;
        const auto raw = ref.substr(0, slash);
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
                token += raw[i + 1] == '0' ? '~' : '/';
                ++i;
            } else {
                token += raw[i];
            }
        }
        ref = slash == std::string_view::npos ? std::string_view{} : ref.substr(slash);
        const auto* obj = at->if_object();
        if (!obj) return nullptr;
        at = obj->if_contains(token);
        if (!at) return nullptr;
    }
    return at;
}

void collect_refs(const json::value& v,
                  const std::string& where,
                  std::vector<std::pair<std::string, std::string>>& out) {
    if (const auto* obj = v.if_object()) {
        for (const auto& kv : *obj) {
            const std::string path = where + "/" + std::string(kv.key());
            if (kv.key() == "$ref" && kv.value().is_string())
                out.emplace_back(path, std::string(kv.value().get_string()));
            else
                collect_refs(kv.value(), path, out);
        }
    } else if (const auto* arr = v.if_array()) {
        for (std::size_t i = 0; i < arr->size(); ++i) collect_refs((*arr)[i], where + "/" + std::to_string(i), out);
    }
}

// One AllInOne for the whole suite: opening and migrating six stores per test would only repeat the same work.
// Nothing listens or runs: only its router is used.
class OpenApiTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<todoai::testing::TempDir>();
        Config config;
        config.host = "127.0.0.1";
        config.port = 0;
        config.data_dir = dir_->path();
        config.jwt_secret = kSecret;
        config.access_log = false;
        config.app_api_token = kAppToken;
        app_ = std::make_unique<AllInOne>(config, dir_->path(), kSecret);
        jwt_ = std::make_unique<auth::JwtCodec>(kSecret, clock_);
        if (auto text = assets::find(kDocName)) doc_ = json::parse(*text);
    }
    static void TearDownTestSuite() {
        jwt_.reset();
        app_.reset();
        dir_.reset();
    }

    static const json::object& doc() { return doc_.as_object(); }
    static const json::object& paths() { return doc().at("paths").as_object(); }
    static const json::object& schema(std::string_view name) {
        return doc().at("components").at("schemas").at(name).as_object();
    }
    static const json::object& parameter(std::string_view name) {
        return doc().at("components").at("parameters").at(name).as_object();
    }
    // A parameter of an operation (or of its path item), through its $ref.
    static const json::object* operation_parameter(std::string_view path,
                                                   std::string_view method,
                                                   std::string_view name) {
        const auto& item = paths().at(path).as_object();
        for (const auto* holder : {&item, &item.at(method).as_object()}) {
            const auto* params = holder->if_contains("parameters");
            if (!params) continue;
            for (const auto& p : params->as_array()) {
                const json::value* v = &p;
                if (const auto* ref = p.as_object().if_contains("$ref")) v = resolve(doc_, ref->as_string());
                if (v && v->as_object().at("name").as_string() == name) return &v->as_object();
            }
        }
        return nullptr;
    }

    static std::set<Operation> routed() {
        std::set<Operation> ops;
        for (const auto& r : app_->router().routes())
            if (r.method != http::Method::head) ops.emplace(lowercase(http::to_string(r.method)), r.pattern);
        return ops;
    }
    // What the process answers: the router's routes and the WebSocket endpoint the server answers before routing.
    static std::set<Operation> served() {
        auto ops = routed();
        ops.emplace("get", std::string(websocket::kPath));
        return ops;
    }
    static std::set<Operation> documented() {
        std::set<Operation> ops;
        for (const auto& [path, item] : paths())
            for (const auto& kv : item.as_object())
                if (kOperationKeys.contains(std::string(kv.key())) && kv.key() != "head")
                    ops.emplace(std::string(kv.key()), std::string(path));
        return ops;
    }

    static http::Response dispatch(http::Method method,
                                   std::string target,
                                   std::vector<std::pair<std::string, std::string>> headers = {},
                                   std::string body = {}) {
        http::Request req;
        req.method = method;
        req.target = target;
        const auto q = target.find('?');
        req.path = target.substr(0, q);
        if (q != std::string::npos) {
            std::string_view rest = std::string_view(target).substr(q + 1);
            while (!rest.empty()) {
                const auto amp = rest.find('&');
                const auto pair = rest.substr(0, amp);
                const auto eq = pair.find('=');
                req.query.emplace_back(std::string(pair.substr(0, eq)),
                                       eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
                rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
            }
        }
        req.headers = std::move(headers);
        req.body = std::move(body);
        req.request_id = "openapi-test";
        return app_->router().dispatch(req);
    }
    static std::string user_token(std::string_view user) { return jwt_->issue(user, std::chrono::hours(1)); }
    static std::vector<std::pair<std::string, std::string>> as_user(std::string_view user) {
        return {{"authorization", "Bearer " + user_token(user)}, {"content-type", "application/json"}};
    }

    static inline std::unique_ptr<todoai::testing::TempDir> dir_;
    static inline std::unique_ptr<AllInOne> app_;
    static inline json::value doc_;
    static inline SystemClock clock_;
    static inline std::unique_ptr<auth::JwtCodec> jwt_;
};

TEST_F(OpenApiTest, DocumentIsEmbeddedAndIsOpenApi31) {
    ASSERT_TRUE(assets::find(kDocName)) << kDocName << " is not compiled in";
    ASSERT_TRUE(doc_.is_object());
    EXPECT_EQ(doc().at("openapi"), "3.1.0");
    EXPECT_TRUE(doc().at("info").as_object().contains("title"));
    EXPECT_TRUE(doc().at("info").as_object().contains("version"));
    EXPECT_FALSE(paths().empty());
}

TEST_F(OpenApiTest, EveryServedRouteIsDocumented) {
    ASSERT_TRUE(doc_.is_object());
    const auto routes = served();
    ASSERT_GT(routes.size(), 15u);
    const auto docs = documented();
    std::set<Operation> missing;
    for (const auto& op : routes)
        if (!docs.contains(op)) missing.insert(op);
    EXPECT_TRUE(missing.empty()) << "served but not in openapi.json:\n" << describe(missing);
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsServed) {
    ASSERT_TRUE(doc_.is_object());
    const auto routes = served();
    std::set<Operation> extra;
    for (const auto& op : documented())
        if (!routes.contains(op)) extra.insert(op);
    EXPECT_TRUE(extra.empty()) << "in openapi.json but not served:\n" << describe(extra);
}

// GET /ws is not a router route: Server::add_websocket answers it before routing (426 for anything but an upgrade,
// whatever the method). So the document has it as a GET with 101, and the router must not have it at all.
TEST_F(OpenApiTest, WebSocketEndpointIsDocumentedAsAnUpgrade) {
    ASSERT_TRUE(doc_.is_object());
    EXPECT_EQ(websocket::kPath, "/ws");
    for (const auto& r : app_->router().routes()) EXPECT_NE(r.pattern, websocket::kPath) << "the server answers it";
    ASSERT_TRUE(paths().contains(websocket::kPath));
    const auto& item = paths().at(websocket::kPath).as_object();
    std::set<std::string> methods;
    for (const auto& kv : item)
        if (kOperationKeys.contains(std::string(kv.key()))) methods.insert(std::string(kv.key()));
    EXPECT_EQ(methods, std::set<std::string>{"get"});

    const auto& op = item.at("get").as_object();
    const auto& responses = op.at("responses").as_object();
    for (std::string_view status : {"101", "401", "426"}) EXPECT_TRUE(responses.contains(status)) << status;
    for (const auto& [status, response] : responses)
        EXPECT_TRUE(status == "101" || status[0] == '4' || status[0] == '5') << "no other success than 101: " << status;
    EXPECT_FALSE(responses.at("101").as_object().contains("content")) << "a 101 has no body";
    for (std::string_view name : {"token", "after", "Sec-WebSocket-Protocol"})
        EXPECT_NE(operation_parameter(websocket::kPath, "get", name), nullptr) << name;

    // The three ways to pass the token are the security alternatives.
    std::set<std::string> schemes;
    for (const auto& alternative : op.at("security").as_array())
        for (const auto& kv : alternative.as_object()) schemes.insert(std::string(kv.key()));
    EXPECT_EQ(schemes, (std::set<std::string>{"wsQueryToken", "wsSubprotocol", "bearerAuth"}));
    const auto& security = doc().at("components").at("securitySchemes").as_object();
    EXPECT_EQ(security.at("wsQueryToken").at("name"), "token");
    EXPECT_EQ(security.at("wsSubprotocol").at("name"), "Sec-WebSocket-Protocol");

    // The messages it pushes.
    EXPECT_EQ(op.at("x-websocket").at("messages").at("$ref"), "#/components/schemas/LiveMessage");
}

TEST_F(OpenApiTest, EveryOperationHasResponsesAndAUniqueOperationId) {
    ASSERT_TRUE(doc_.is_object());
    std::set<std::string> ids;
    for (const auto& [path, item] : paths()) {
        for (const auto& kv : item.as_object()) {
            if (!kOperationKeys.contains(std::string(kv.key()))) continue;
            const auto where = std::string(kv.key()) + " " + std::string(path);
            const auto& op = kv.value().as_object();
            const auto* responses = op.if_contains("responses");
            ASSERT_TRUE(responses && responses->is_object()) << where;
            EXPECT_FALSE(responses->as_object().empty()) << where << " has no responses";
            const auto* id = op.if_contains("operationId");
            ASSERT_TRUE(id && id->is_string()) << where << " has no operationId";
            EXPECT_TRUE(ids.insert(std::string(id->get_string())).second) << "duplicate operationId " << *id;
            const auto* tags = op.if_contains("tags");
            EXPECT_TRUE(tags && !tags->as_array().empty()) << where << " has no tag";
        }
    }
}

TEST_F(OpenApiTest, EveryRefResolves) {
    ASSERT_TRUE(doc_.is_object());
    std::vector<std::pair<std::string, std::string>> refs;
    collect_refs(doc_, "#", refs);
    EXPECT_GT(refs.size(), 100u);
    for (const auto& [where, ref] : refs) EXPECT_NE(resolve(doc_, ref), nullptr) << where << ": " << ref;
}

TEST_F(OpenApiTest, EverySecuritySchemeUsedIsDefined) {
    ASSERT_TRUE(doc_.is_object());
    const auto& defined = doc().at("components").at("securitySchemes").as_object();
    auto check = [&](const json::value& requirements, const std::string& where) {
        for (const auto& alternative : requirements.as_array())
            for (const auto& kv : alternative.as_object()) EXPECT_TRUE(defined.contains(kv.key())) << where;
    };
    check(doc().at("security"), "top level");
    for (const auto& [path, item] : paths())
        for (const auto& kv : item.as_object())
            if (kOperationKeys.contains(std::string(kv.key())))
                if (const auto* s = kv.value().as_object().if_contains("security"))
                    check(*s, std::string(kv.key()) + " " + std::string(path));
}

TEST_F(OpenApiTest, EveryPathTemplateParameterIsDeclared) {
    ASSERT_TRUE(doc_.is_object());
    auto declared_in = [&](const json::object& holder, std::set<std::string>& names) {
        const auto* params = holder.if_contains("parameters");
        if (!params) return;
        for (const auto& p : params->as_array()) {
            const json::value* v = &p;
            if (const auto* ref = p.as_object().if_contains("$ref")) v = resolve(doc_, ref->as_string());
            ASSERT_NE(v, nullptr);
            const auto& obj = v->as_object();
            if (obj.at("in") == "path") {
                names.insert(std::string(obj.at("name").as_string()));
                EXPECT_EQ(obj.at("required"), true) << obj.at("name");
            }
        }
    };
    for (const auto& [path, item] : paths()) {
        std::set<std::string> in_template;
        std::string_view p = path;
        for (auto open = p.find('{'); open != std::string_view::npos; open = p.find('{', open + 1))
            in_template.insert(std::string(p.substr(open + 1, p.find('}', open) - open - 1)));
        std::set<std::string> path_level;
        declared_in(item.as_object(), path_level);
        for (const auto& kv : item.as_object()) {
            if (!kOperationKeys.contains(std::string(kv.key()))) continue;
            auto names = path_level;
            declared_in(kv.value().as_object(), names);
            EXPECT_EQ(names, in_template) << kv.key() << " " << path;
        }
    }
}

TEST_F(OpenApiTest, ErrorResponsesAreProblemJson) {
    ASSERT_TRUE(doc_.is_object());
    for (const auto& [path, item] : paths()) {
        for (const auto& kv : item.as_object()) {
            if (!kOperationKeys.contains(std::string(kv.key()))) continue;
            const auto where = std::string(kv.key()) + " " + std::string(path);
            for (const auto& [status, response] : kv.value().at("responses").as_object()) {
                // 101 only on the WebSocket upgrade (it has no body); every 4xx/5xx is a problem.
                if (status[0] == '1') {
                    EXPECT_EQ(path, websocket::kPath) << where << " " << status;
                }
                if (status.size() != 3 || (status[0] != '4' && status[0] != '5')) continue;
                const json::value* r = &response;
                if (const auto* ref = response.as_object().if_contains("$ref")) r = resolve(doc_, ref->as_string());
                ASSERT_NE(r, nullptr);
                const auto* content = r->as_object().if_contains("content");
                ASSERT_TRUE(content) << where << " " << status;
                EXPECT_TRUE(content->as_object().contains("application/problem+json")) << where << " " << status;
            }
        }
    }
}

// Without credentials, an operation that states a security requirement answers 401 and one that states none does
// not: the document's `security` is what the handlers check. With the app token (either header), the internal
// routes get past authentication (and fail on the empty body instead).
TEST_F(OpenApiTest, SecurityIsWhatTheHandlersCheck) {
    ASSERT_TRUE(doc_.is_object());
    const auto top = doc().at("security");
    for (const auto& route : app_->router().routes()) {
        if (route.method == http::Method::head) continue;
        const auto method = lowercase(http::to_string(route.method));
        const auto& path = route.pattern;
        if (!paths().contains(path) || !paths().at(path).as_object().contains(method)) continue;  // reported above
        const auto& op = paths().at(path).at(method).as_object();
        const auto* own = op.if_contains("security");
        const bool secured = !(own ? *own : top).as_array().empty();
        std::string target = path;
        for (auto [name, value] :
             {std::pair{"{user_id}", "u1"}, std::pair{"{id}", "x"}, std::pair{"{series_id}", kSeriesId.data()}}) {
            if (auto at = target.find(name); at != std::string::npos)
                target.replace(at, std::string_view(name).size(), value);
        }
        const auto res = dispatch(route.method, target);
        if (secured)
            EXPECT_EQ(res.status, 401) << method << " " << path << ": " << res.body;
        else
            EXPECT_NE(res.status, 401) << method << " " << path << ": " << res.body;
    }

    std::vector<std::string> internal;
    for (const auto& [method, path] : routed())
        if (path.starts_with("/internal/")) internal.push_back(path);
    ASSERT_FALSE(internal.empty());
    for (auto path : internal) {
        const auto& security = paths().at(path).at("post").at("security");
        EXPECT_EQ(security, json::parse(R"([{"appToken":[]},{"appBearer":[]}])")) << path;
        if (auto at = path.find("{series_id}"); at != std::string::npos) path.replace(at, 11, kSeriesId);
        for (auto header : {std::pair<std::string, std::string>{"dapr-api-token", kAppToken},
                            std::pair<std::string, std::string>{"authorization", "Bearer " + kAppToken}}) {
            const auto res = dispatch(http::Method::post, path, {header});
            EXPECT_EQ(res.status, 400) << path << " with " << header.first << ": " << res.body;
        }
        EXPECT_EQ(dispatch(http::Method::post, path, {{"dapr-api-token", "wrong"}}).status, 401) << path;
        EXPECT_EQ(dispatch(http::Method::post, path, {{"authorization", "Bearer " + user_token("u1")}}).status, 401)
            << path << ": a user's token is not the app token";
    }
    const auto& schemes = doc().at("components").at("securitySchemes").as_object();
    EXPECT_EQ(schemes.at("appToken").at("in"), "header");
    EXPECT_EQ(schemes.at("appToken").at("name"), "dapr-api-token");
    EXPECT_EQ(schemes.at("appBearer").at("scheme"), "bearer");
}

TEST_F(OpenApiTest, StatedLimitsAreTheEnforcedOnes) {
    ASSERT_TRUE(doc_.is_object());
    const auto& task = schema("Task").at("properties").as_object();
    EXPECT_EQ(task.at("title").at("maxLength"), limits::kTitleMax);
    EXPECT_EQ(task.at("title").at("minLength"), 1);
    EXPECT_EQ(task.at("description").at("maxLength"), limits::kDescriptionMax);
    EXPECT_EQ(task.at("tags").at("maxItems"), limits::kTagsMax);
    EXPECT_EQ(task.at("tags").at("items").at("maxLength"), limits::kTagMax);
    EXPECT_EQ(task.at("reminders").at("maxItems"), limits::kRemindersMax);
    EXPECT_EQ(task.at("rrule").at("maxLength"), limits::kRruleMax);

    // One `limit` parameter serves tasks, audit and notifications: the three must agree with it.
    const auto& limit = parameter("limit").at("schema").as_object();
    EXPECT_EQ(limit.at("minimum"), limits::kPageLimitMin);
    EXPECT_EQ(limit.at("maximum"), limits::kPageLimitMax);
    EXPECT_EQ(limit.at("default"), limits::kPageLimitDefault);
    EXPECT_EQ(limit.at("maximum"), audit::kMaxLimit);
    EXPECT_EQ(limit.at("default"), audit::kDefaultLimit);
    for (std::string_view path : {"/api/{user_id}/tasks", "/api/{user_id}/audit", "/api/{user_id}/notifications"})
        EXPECT_EQ(operation_parameter(path, "get", "limit"), &parameter("limit")) << path;
    for (std::string_view page : {"TaskPage", "AuditPage", "NotificationPage"})
        EXPECT_EQ(schema(page).at("maxItems"), limits::kPageLimitMax) << page;
    EXPECT_EQ(task.at("category").at("maxLength"), limits::kCategoryMax);
    EXPECT_EQ(schema("TaskInput").at("properties").at("category").at("maxLength"), limits::kCategoryMax);

    // Audit: task_id and the ids of an item.
    EXPECT_EQ(parameter("audit_task_id").at("schema").at("maxLength"), audit::kMaxIdLength);
    for (std::string_view f : {"event_id", "task_id", "user_id", "correlation_id", "source"})
        EXPECT_EQ(schema("AuditItem").at("properties").at(f).at("maxLength"), audit::kMaxIdLength) << f;
    // The longest cursor the audit list gives out fits the stated maximum (the parser accepts nothing longer).
    EXPECT_LE(audit::encode_cursor(INT64_MAX).size(),
              static_cast<std::size_t>(parameter("audit_cursor").at("schema").at("maxLength").as_int64()));
    EXPECT_FALSE(audit::decode_cursor(std::string(
        static_cast<std::size_t>(parameter("audit_cursor").at("schema").at("maxLength").as_int64()) + 1, 'A')));

#ifdef TODOAI_HAS_OPEN_TASKS
    if (paths().contains("/internal/tasks/open")) {
        EXPECT_EQ(schema("OpenTasksRequest").at("properties").at("ids").at("maxItems"), todo::kOpenTasksMaxIds);
    }
#endif

    // The WebSocket feed's limits.
    const auto& ws = paths().at(websocket::kPath).at("get").at("x-websocket").as_object();
    const http::WebSocketOptions transport;
    const websocket::WebSocketServiceOptions feed;
    EXPECT_EQ(ws.at("maxClientMessageBytes"), transport.max_message_bytes);
    EXPECT_EQ(ws.at("maxClientMessagesPerSecond"), transport.max_client_messages_per_second);
    EXPECT_EQ(ws.at("sendQueueFrames"), feed.send_queue_limit);
    EXPECT_EQ(ws.at("maxReplay"), std::min(feed.max_replay, feed.send_queue_limit / 2));
    EXPECT_EQ(ws.at("retentionHours"), feed.retention.count());
    EXPECT_EQ(ws.at("keepPerUser"), feed.keep_per_user);
    EXPECT_EQ(Config{}.ws_heartbeat_interval_seconds, 30) << "the /ws description states the default heartbeat";
}

TEST_F(OpenApiTest, TaskSchemaListsWhatTheServerReturns) {
    ASSERT_TRUE(doc_.is_object());
    const auto res = dispatch(http::Method::post, "/api/u1/tasks", as_user("u1"), R"({"title":"t"})");
    ASSERT_EQ(res.status, 201) << res.body;
    const auto returned = json::parse(res.body).as_object();
    const auto& task = schema("Task");
    const auto& props = task.at("properties").as_object();
    const auto fields = keys(returned);
    EXPECT_EQ(strings(task.at("required")), fields);
    for (const auto& f : fields) EXPECT_TRUE(props.contains(f)) << f;

    for (std::string_view ro : {"id", "user_id", "series_id", "created_at", "updated_at", "completed_at", "version"})
        EXPECT_EQ(props.at(ro).as_object().if_contains("readOnly") ? props.at(ro).at("readOnly") : json::value(false),
                  true)
            << ro;
    for (std::string_view rw : {"title", "description", "status", "priority", "tags", "due_date", "reminders"})
        EXPECT_FALSE(props.at(rw).as_object().contains("readOnly")) << rw;

    // Input: additionalProperties false, so every field the server returns must be allowed back (PUT what you got).
    const auto& input = schema("TaskInput");
    EXPECT_EQ(input.at("additionalProperties"), false);
    for (const auto& f : fields) EXPECT_TRUE(input.at("properties").as_object().contains(f)) << f;
}

TEST_F(OpenApiTest, ListPagesAreWhatTheServerReturns) {
    ASSERT_TRUE(doc_.is_object());
    for (auto [target, page] :
         {std::pair{"/api/u2/audit", "AuditPage"}, std::pair{"/api/u2/notifications?unread=true", "NotificationPage"},
          std::pair{"/api/u2/tasks", "TaskPage"}}) {
        const auto res = dispatch(http::Method::get, target, as_user("u2"));
        ASSERT_EQ(res.status, 200) << target << ": " << res.body;
        EXPECT_EQ(res.content_type, "application/json") << target;
        // A JSON array, as the schema says; on the last page neither Link nor X-Next-Cursor.
        EXPECT_TRUE(json::parse(res.body).is_array()) << target;
        EXPECT_EQ(schema(page).at("type"), "array") << target;
        for (const auto& [name, value] : res.headers) EXPECT_TRUE(name != "Link" && name != "X-Next-Cursor") << name;
    }
    // Each bad parameter is a 422 naming it, as documented.
    for (auto [target, field] :
         {std::pair{"/api/u2/audit?limit=201", "limit"},
          std::pair{"/api/u2/audit?event_type=task-exploded", "event_type"},
          std::pair{"/api/u2/audit?from=yesterday", "from"}, std::pair{"/api/u2/audit?cursor=%%", "cursor"},
          std::pair{"/api/u2/notifications?limit=0", "limit"}, std::pair{"/api/u2/notifications?unread=yes", "unread"},
          std::pair{"/api/u2/notifications?cursor=zz", "cursor"}}) {
        const auto res = dispatch(http::Method::get, target, as_user("u2"));
        EXPECT_EQ(res.status, 422) << target;
        EXPECT_NE(res.body.find(std::string("\"field\":\"") + field + "\""), std::string::npos)
            << target << ": " << res.body;
    }
    const auto missing = dispatch(http::Method::post, "/api/u2/notifications/nope/read", as_user("u2"));
    EXPECT_EQ(missing.status, 404) << missing.body;
    EXPECT_EQ(missing.content_type, "application/problem+json");
    EXPECT_EQ(dispatch(http::Method::get, "/api/u3/audit", as_user("u2")).status, 403);
}

// The audit item, the pushed CloudEvent and its data as the code builds them, against their schemas.
TEST_F(OpenApiTest, EventSchemasAreWhatTheServicesProduce) {
    ASSERT_TRUE(doc_.is_object());
    const std::vector<std::string_view> types = {event_type::kTaskCreated,       event_type::kTaskUpdated,
                                                 event_type::kTaskCompleted,     event_type::kTaskDeleted,
                                                 event_type::kReminderScheduled, event_type::kReminderFired};
    std::set<std::string> full, brief;
    for (auto t : types) {
        full.insert(std::string(t));
        brief.insert(short_event_type(t));
    }
    EXPECT_EQ(strings(schema("LiveEvent").at("properties").at("type").at("enum")), full);
    EXPECT_EQ(strings(schema("AuditItem").at("properties").at("event_type").at("enum")), full);
    EXPECT_EQ(strings(schema("EventData").at("properties").at("event_type").at("enum")), brief);
    std::set<std::string> both = full;
    both.insert(brief.begin(), brief.end());
    EXPECT_EQ(strings(parameter("audit_event_type").at("schema").at("enum")), both);
    for (const auto& t : both) EXPECT_TRUE(audit::canonical_event_type(t)) << t;

    Task task;
    task.id = "0190d3e4-5b6a-7c8d-9e0f-1a2b3c4d5e6f";
    task.user_id = "u1";
    task.fields.title = "t";
    const auto now = clock_.now();
    notification::ReminderRow reminder{.id = "0190d3e4-5b6a-7c8d-9e0f-000000000001",
                                       .task_id = task.id,
                                       .user_id = "u1",
                                       .title = "t",
                                       .remind_at = now};
    const std::vector<CloudEvent> events = {
        make_task_event(event_type::kTaskCreated, task, "e1", now),
        notification::make_reminder_scheduled(reminder, "e2", now, std::nullopt),
        notification::make_reminder_fired(reminder, "e3", now),
    };
    std::set<std::string> sources;
    for (const auto& event : events) {
        const auto text = serialize(event);
        const auto pushed = json::parse(text).as_object();
        const auto& live = schema("LiveEvent");
        for (const auto& r : strings(live.at("required"))) EXPECT_TRUE(pushed.contains(r)) << r << " in " << text;
        for (const auto& k : keys(pushed)) EXPECT_TRUE(live.at("properties").as_object().contains(k)) << k;
        EXPECT_EQ(pushed.at("specversion"), live.at("properties").at("specversion").at("const"));
        EXPECT_EQ(pushed.at("datacontenttype"), live.at("properties").at("datacontenttype").at("const"));
        sources.insert(std::string(pushed.at("source").as_string()));

        const auto& data = pushed.at("data").as_object();
        EXPECT_EQ(keys(data), strings(schema("EventData").at("required"))) << text;
        EXPECT_EQ(data.at("schema_version"), schema("EventData").at("properties").at("schema_version").at("const"));
        EXPECT_TRUE(websocket::parse_feed_event(text).index() == 0) << "the feed takes it: " << text;

        const auto& payload = data.at("payload").as_object();
        if (event.type.starts_with("com.todoai.reminder.")) {
            const auto& rp = schema("ReminderPayload");
            for (const auto& r : strings(rp.at("required"))) EXPECT_TRUE(payload.contains(r)) << r << " in " << text;
            for (const auto& k : keys(payload)) EXPECT_TRUE(rp.at("properties").as_object().contains(k)) << k;
        } else {
            EXPECT_EQ(keys(payload), strings(schema("Task").at("required"))) << text;
        }

        // What audit stores and serves for it.
        auto record = audit::parse_audit_event(text);
        ASSERT_EQ(record.index(), 0u) << text;
        const auto item = json::parse(std::get<audit::AuditRecord>(record).item).as_object();
        EXPECT_EQ(keys(item), strings(schema("AuditItem").at("required")));
        EXPECT_EQ(keys(item), keys(schema("AuditItem").at("properties").as_object()));
    }
    EXPECT_EQ(sources, strings(schema("LiveEvent").at("properties").at("source").at("enum")));

    // The control message.
    const auto resync = json::parse(websocket::resync_message("why")).as_object();
    EXPECT_EQ(keys(resync), strings(schema("ResyncMessage").at("required")));
    EXPECT_EQ(resync.at("type"), schema("ResyncMessage").at("properties").at("type").at("const"));
}

TEST_F(OpenApiTest, ServedDocumentIsTheEmbeddedOne) {
    ASSERT_TRUE(doc_.is_object());
    const auto res = dispatch(http::Method::get, "/openapi.json");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.content_type, "application/json");
    EXPECT_EQ(json::parse(res.body), doc_);
}

}  // namespace
}  // namespace todoai::app
