#include "runtime/http/json_case.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "core/task_input.hpp"

namespace todoai::http {

std::optional<JsonCase> parse_json_case(std::string_view text) {
    if (text == "snake") return JsonCase::snake;
    if (text == "camel") return JsonCase::camel;
    return std::nullopt;
}

void apply_json_case(JsonCase json_case, std::string_view path, Response& response) {
    if (json_case != JsonCase::camel || response.content_type != "application/json" || response.body.empty() ||
        !path.starts_with("/api/"))
        return;
    boost::json::error_code ec;
    auto value = boost::json::parse(response.body, ec);
    if (ec) return;  // not ours to fix: sent as the handler wrote it
    to_camel_case_output(value);
    response.body = boost::json::serialize(value);
}

}  // namespace todoai::http
