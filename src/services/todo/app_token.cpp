#include "services/todo/app_token.hpp"

#include <optional>
#include <string_view>

#include "runtime/http/problem.hpp"

namespace todoai::todo {
namespace {

// Compares in time independent of where the strings differ, so the token cannot be guessed byte by byte.
bool constant_time_equal(std::string_view given, std::string_view expected) {
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i)
        diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : ~expected[i]));
    return diff == 0;
}

}  // namespace

void check_app_token(const http::Request& req, const std::string& app_token) {
    if (app_token.empty()) throw http::HttpError(503, "APP_API_TOKEN not configured");
    std::optional<std::string_view> given = req.header("dapr-api-token");
    if (!given) {
        if (auto auth = req.header("authorization"); auth && auth->size() > 7 && auth->substr(0, 7) == "Bearer ")
            given = auth->substr(7);
    }
    if (!given) throw http::HttpError(401, "missing app token (dapr-api-token or Authorization: Bearer)");
    if (!constant_time_equal(*given, app_token)) throw http::HttpError(401, "wrong app token");
}

}  // namespace todoai::todo
