#include "services/todo/request_guard.hpp"

#include <boost/json/parser.hpp>

#include "runtime/http/problem.hpp"

namespace todoai::todo {
namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

}  // namespace

std::string authenticate(const http::Request& req, const auth::JwtCodec& jwt) {
    auto header = req.header("authorization");
    if (!header) throw http::HttpError(401, "missing Authorization: Bearer <token> header");
    if (!iequals_prefix(*header, "bearer "))
        throw http::HttpError(401, "Authorization header must use the Bearer scheme");
    auto token = header->substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    auto result = jwt.verify(token);
    if (auto* error = std::get_if<auth::TokenError>(&result))
        throw http::HttpError(401, "invalid token: " + error->reason);
    return std::move(std::get<auth::Claims>(result).sub);
}

std::string authorize_path_user(const http::Request& req, const auth::JwtCodec& jwt) {
    auto user = authenticate(req, jwt);
    if (req.param("user_id") != user)
        throw http::HttpError(403, "the token's user may only access its own data under /api/" + user + "/");
    return user;
}

boost::json::value parse_json_body(const http::Request& req) {
    if (auto type = req.header("content-type")) {
        auto media = type->substr(0, type->find(';'));
        while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
        const bool json = media == "application/json" || (media.size() > 5 && media.ends_with("+json"));
        if (!json)
            throw http::HttpError(415, "Content-Type must be application/json, got '" + std::string(media) + "'");
    }
    if (req.body.empty()) throw http::HttpError(400, "request body is empty; expected a JSON object");
    boost::json::parser parser;
    boost::system::error_code ec;
    auto consumed = parser.write(req.body.data(), req.body.size(), ec);
    if (ec) throw http::HttpError(400, "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
    return parser.release();
}

}  // namespace todoai::todo
