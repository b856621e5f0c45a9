#include "runtime/http/page.hpp"

namespace todoai::http {

std::string next_page_target(std::string_view target, std::string_view cursor) {
    const auto hash = target.find('#');
    if (hash != std::string_view::npos) target = target.substr(0, hash);
    const auto question = target.find('?');
    std::string out(target.substr(0, question));
    out += '?';
    if (question != std::string_view::npos) {
        std::string_view rest = target.substr(question + 1);
        while (!rest.empty()) {
            const auto amp = rest.find('&');
            const std::string_view pair = rest.substr(0, amp);
            const std::string_view key = pair.substr(0, pair.find('='));
            if (!pair.empty() && key != "cursor") {
                out += pair;
                out += '&';
            }
            if (amp == std::string_view::npos) break;
            rest.remove_prefix(amp + 1);
        }
    }
    out += "cursor=";
    out += cursor;
    return out;
}

Response page_response(const Request& req, std::string json_array, const std::optional<std::string>& next_cursor) {
    Response r{.body = std::move(json_array)};
    if (next_cursor) {
        const std::string_view target = req.target.empty() ? std::string_view(req.path) : std::string_view(req.target);
        r.headers.emplace_back("Link", "<" + next_page_target(target, *next_cursor) + ">; rel=\"next\"");
        r.headers.emplace_back("X-Next-Cursor", *next_cursor);
    }
    return r;
}

}  // namespace todoai::http
