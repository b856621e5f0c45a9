#include "services/todo/todo_routes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "runtime/auth/request_auth.hpp"
#include "runtime/http/assets.hpp"
#include "runtime/http/json_body.hpp"
#include "runtime/http/page.hpp"
#include "runtime/http/problem.hpp"

namespace todoai::todo {
namespace {

using http::Method;
using http::Request;
using http::Response;

std::string etag(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

Response task_response(int status, TaskResult result) {
    Response r{.status = status, .body = std::move(result.doc)};
    r.headers.emplace_back("ETag", etag(result.version));
    return r;
}

std::optional<VersionCondition> if_match(const Request& req) {
    if (auto h = req.header("if-match")) return parse_if_match(*h);
    return std::nullopt;
}

std::string list_body(const TaskPage& page) {
    std::string body = "[";
    std::size_t size = 2;
    for (const auto& d : page.docs) size += d.size() + 1;
    body.reserve(size);
    for (std::size_t i = 0; i < page.docs.size(); ++i) {
        if (i) body += ',';
        body += page.docs[i];
    }
    body += ']';
    return body;
}

// The hackathon's front end sends PATCH .../complete with `Content-Type: application/json` and no body; any body is
// ignored, but a non-empty one must still be JSON so garbage is not silently accepted.
void check_optional_json_body(const Request& req) {
    if (!req.body.empty()) http::parse_json_body(req);
}

}  // namespace

void register_routes(http::Router& router, AuthService& accounts, TaskService& tasks, const auth::JwtCodec& jwt) {
    router.add(Method::post, "/api/auth/sign-up", [&accounts](Request& req) {
        return Response::json(201, accounts.sign_up(http::parse_json_body(req), req.remote_address));
    });
    router.add(Method::post, "/api/auth/sign-in", [&accounts](Request& req) {
        return Response::json(200, accounts.sign_in(http::parse_json_body(req), req.remote_address));
    });
    router.add(Method::get, "/api/auth/me", [&accounts, &jwt](Request& req) {
        return Response::json(200, accounts.me(auth::authenticate(req, jwt)));
    });

    auth::add_user_route(router, Method::get, "/tasks", [&tasks, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        auto query = parse_task_query(req);
        if (auto* errors = std::get_if<FieldErrors>(&query))
            throw http::HttpError(422, "invalid list parameters", std::move(*errors));
        auto page = tasks.list(user, std::get<TaskQuery>(query));
        return http::page_response(req, list_body(page), page.next_cursor);
    }, jwt);
    auth::add_user_route(router, Method::post, "/tasks", [&tasks, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        auto key = req.header("idempotency-key");
        if (key && (key->empty() || key->size() > 255))
            throw http::HttpError(422, "Idempotency-Key must be 1 to 255 characters", {{"Idempotency-Key", "length"}});
        auto result = tasks.create(user, http::parse_json_body(req), req.body, key);
        auto location = "/api/" + user + "/tasks/" + result.id;
        return task_response(201, std::move(result)).with_header("Location", std::move(location));
    }, jwt);
    auth::add_user_route(router, Method::get, "/tasks/{id}", [&tasks, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        auto stored = tasks.get(user, req.param("id"));
        if (!stored) throw http::HttpError(404, "no task '" + std::string(req.param("id")) + "' for this user");
        return task_response(200, TaskResult{std::move(stored->doc), stored->version, {}});
    }, jwt);
    auto write = [&tasks, &jwt](TaskService::WriteMode mode) {
        return [&tasks, &jwt, mode](Request& req) {
            auto user = auth::authorize_path_user(req, jwt);
            return task_response(200,
                                 tasks.write(user, req.param("id"), http::parse_json_body(req), mode, if_match(req)));
        };
    };
    auth::add_user_route(router, Method::put, "/tasks/{id}", write(TaskService::WriteMode::replace), jwt);
    auth::add_user_route(router, Method::patch, "/tasks/{id}", write(TaskService::WriteMode::merge), jwt);
    auth::add_user_route(router, Method::del, "/tasks/{id}", [&tasks, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        tasks.remove(user, req.param("id"), if_match(req));
        return Response::empty(204);
    }, jwt);
    auth::add_user_route(router, Method::patch, "/tasks/{id}/complete", [&tasks, &jwt](Request& req) {
        auto user = auth::authorize_path_user(req, jwt);
        check_optional_json_body(req);
        return task_response(200, tasks.toggle_complete(user, req.param("id"), if_match(req)));
    }, jwt);

    auth::add_user_route(
        router, Method::get, "/stats",
        [&tasks, &jwt](Request& req) {
            const auto c = tasks.counts(auth::authorize_path_user(req, jwt));
            return Response::json(200, boost::json::object{
                                           {"total", c.total}, {"pending", c.pending}, {"completed", c.completed}});
        },
        jwt);

    router.add(Method::get, "/openapi.json", [](Request&) {
        auto doc = assets::find("src/services/todo/openapi.json");
        if (!doc) throw http::HttpError(500, "the OpenAPI document was not compiled in");
        return Response{.body = std::string(*doc)};
    });
}

}  // namespace todoai::todo
