// The embedded OpenAPI document against the routes the process really serves: the router is built as
// src/app/serve.cpp builds it, and the two sets of (method, path) must be equal.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "core/clock.hpp"
#include "core/task.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/auth/password.hpp"
#include "runtime/http/assets.hpp"
#include "runtime/http/metrics.hpp"
#include "runtime/http/router.hpp"
#include "runtime/ops/ops_routes.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "runtime/store/temp_dir.hpp"
#include "services/todo/auth_service.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_service.hpp"
#include "services/todo/todo_routes.hpp"

namespace todoai::todo {
namespace {

namespace json = boost::json;
using Operation = std::pair<std::string, std::string>;  // (lowercase method, path pattern)

constexpr std::string_view kDocName = "src/services/todo/openapi.json";
const std::set<std::string> kOperationKeys{"get", "put", "post", "delete", "options", "head", "patch", "trace"};

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

class OpenApiTest : public ::testing::Test {
  protected:
    OpenApiTest()
        : db_(store::open_sqlite({.file = dir_.path() / "todo.db"})),
          jwt_(std::string(48, 's'), clock_),
          auth_(*db_, jwt_, hasher_, clock_, std::chrono::hours(1)),
          tasks_(*db_, clock_) {
        db_->migrate(migrations());
        register_routes(router_, auth_, tasks_, jwt_);
        ops::register_routes(router_, {{"todo-store", [this] { return db_->ping(); }}}, metrics_);

        auto text = assets::find(kDocName);
        if (text) doc_ = json::parse(*text);
    }

    const json::object& doc() const { return doc_.as_object(); }
    const json::object& paths() const { return doc().at("paths").as_object(); }

    std::set<Operation> routed() const {
        std::set<Operation> ops;
        for (const auto& r : router_.routes())
            if (r.method != http::Method::head) ops.emplace(lowercase(http::to_string(r.method)), r.pattern);
        return ops;
    }

    std::set<Operation> documented() const {
        std::set<Operation> ops;
        for (const auto& [path, item] : paths())
            for (const auto& kv : item.as_object())
                if (kOperationKeys.contains(std::string(kv.key())) && kv.key() != "head")
                    ops.emplace(std::string(kv.key()), std::string(path));
        return ops;
    }

    // The schema of a component, e.g. schema("Task").
    const json::object& schema(std::string_view name) const {
        return doc().at("components").at("schemas").at(name).as_object();
    }
    const json::object& parameter(std::string_view name) const {
        return doc().at("components").at("parameters").at(name).as_object();
    }

    test_support::TempDir dir_;
    SystemClock clock_;
    std::unique_ptr<store::Database> db_;
    auth::JwtCodec jwt_;
    auth::PasswordHasher hasher_;
    AuthService auth_;
    TaskService tasks_;
    http::Metrics metrics_;
    http::Router router_;
    json::value doc_;
};

TEST_F(OpenApiTest, DocumentIsEmbeddedAndIsOpenApi31) {
    ASSERT_TRUE(assets::find(kDocName)) << kDocName << " is not compiled in";
    ASSERT_TRUE(doc_.is_object());
    EXPECT_EQ(doc().at("openapi"), "3.1.0");
    EXPECT_TRUE(doc().at("info").as_object().contains("title"));
    EXPECT_TRUE(doc().at("info").as_object().contains("version"));
    EXPECT_FALSE(paths().empty());
}

TEST_F(OpenApiTest, EveryRouteIsDocumented) {
    ASSERT_TRUE(doc_.is_object());
    const auto routes = routed();
    ASSERT_FALSE(routes.empty());
    const auto docs = documented();
    std::set<Operation> missing;
    for (const auto& op : routes)
        if (!docs.contains(op)) missing.insert(op);
    EXPECT_TRUE(missing.empty()) << "routed but not in openapi.json:\n" << describe(missing);
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsRouted) {
    ASSERT_TRUE(doc_.is_object());
    const auto routes = routed();
    std::set<Operation> extra;
    for (const auto& op : documented())
        if (!routes.contains(op)) extra.insert(op);
    EXPECT_TRUE(extra.empty()) << "in openapi.json but not routed:\n" << describe(extra);
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
        }
    }
}

TEST_F(OpenApiTest, EveryRefResolves) {
    ASSERT_TRUE(doc_.is_object());
    std::vector<std::pair<std::string, std::string>> refs;
    collect_refs(doc_, "#", refs);
    EXPECT_GT(refs.size(), 20u);
    for (const auto& [where, ref] : refs) EXPECT_NE(resolve(doc_, ref), nullptr) << where << ": " << ref;
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
            if (obj.at("in") == "path") names.insert(std::string(obj.at("name").as_string()));
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
            for (const auto& [status, response] : kv.value().at("responses").as_object()) {
                if (status.size() != 3 || (status[0] != '4' && status[0] != '5')) continue;
                const json::value* r = &response;
                if (const auto* ref = response.as_object().if_contains("$ref")) r = resolve(doc_, ref->as_string());
                ASSERT_NE(r, nullptr);
                const auto* content = r->as_object().if_contains("content");
                ASSERT_TRUE(content) << kv.key() << " " << path << " " << status;
                EXPECT_TRUE(content->as_object().contains("application/problem+json"))
                    << kv.key() << " " << path << " " << status;
            }
        }
    }
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

    const auto& limit = parameter("limit").at("schema").as_object();
    EXPECT_EQ(limit.at("minimum"), limits::kPageLimitMin);
    EXPECT_EQ(limit.at("maximum"), limits::kPageLimitMax);
    EXPECT_EQ(limit.at("default"), limits::kPageLimitDefault);
}

TEST_F(OpenApiTest, TaskSchemaListsWhatTheServerReturns) {
    ASSERT_TRUE(doc_.is_object());
    // A real task as the service stores and returns it.
    auto created = tasks_.create("u1", json::parse(R"({"title":"t"})"), R"({"title":"t"})", std::nullopt);
    const auto returned = json::parse(created.doc).as_object();
    const auto& task = schema("Task");
    const auto& props = task.at("properties").as_object();
    std::set<std::string> required;
    for (const auto& r : task.at("required").as_array()) required.insert(std::string(r.as_string()));
    std::set<std::string> fields;
    for (const auto& kv : returned) fields.insert(std::string(kv.key()));
    EXPECT_EQ(required, fields);
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

TEST_F(OpenApiTest, ServedDocumentIsTheEmbeddedOne) {
    ASSERT_TRUE(doc_.is_object());
    http::Request req;
    req.method = http::Method::get;
    req.target = req.path = "/openapi.json";
    req.request_id = "test";
    const auto res = router_.dispatch(req);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.content_type, "application/json");
    EXPECT_EQ(json::parse(res.body), doc_);
}

}  // namespace
}  // namespace todoai::todo
