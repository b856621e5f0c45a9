#include "runtime/http/json_body.hpp"

#include <boost/json/parser.hpp>

#include "runtime/http/problem.hpp"

namespace todoai::http {

boost::json::value parse_json_body(const Request& req) {
    if (auto type = req.header("content-type")) {
        auto media = type->substr(0, type->find(';'));
        while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
        const bool json = media == "application/json" || (media.size() > 5 && media.ends_with("+json"));
        if (!json) throw HttpError(415, "Content-Type must be application/json, got '" + std::string(media) + "'");
    }
    if (req.body.empty()) throw HttpError(400, "request body is empty; expected a JSON object");
    boost::json::parser parser;
    boost::system::error_code ec;
    auto consumed = parser.write(req.body.data(), req.body.size(), ec);
    if (ec) throw HttpError(400, "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
    return parser.release();
}

}  // namespace todoai::http
