#include "runtime/auth/request_auth.hpp"

#include <cctype>

#include "runtime/http/problem.hpp"

namespace todoai::auth {
namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

}  // namespace

std::string authenticate(const http::Request& req, const JwtCodec& jwt) {
    auto header = req.header("authorization");
    if (!header) throw http::HttpError(401, "missing Authorization: Bearer <token> header");
    if (!iequals_prefix(*header, "bearer "))
        throw http::HttpError(401, "Authorization header must use the Bearer scheme");
    auto token = header->substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    auto result = jwt.verify(token);
    if (auto* error = std::get_if<TokenError>(&result)) throw http::HttpError(401, "invalid token: " + error->reason);
    return std::move(std::get<Claims>(result).sub);
}

void add_user_route(http::Router& router,
                    http::Method method,
                    std::string_view suffix,
                    http::Handler handler,
                    const JwtCodec& jwt) {
    router.add(method, "/api/{user_id}" + std::string(suffix), handler);
    router.add(method, "/api" + std::string(suffix), [handler, &jwt](http::Request& req) {
        req.params.emplace_back("user_id", authenticate(req, jwt));
        return handler(req);
    });
}

std::string authorize_path_user(const http::Request& req, const JwtCodec& jwt) {
    auto user = authenticate(req, jwt);
    if (req.param("user_id") != user)
        throw http::HttpError(403, "the token's user may only access its own data under /api/" + user + "/");
    return user;
}

}  // namespace todoai::auth
