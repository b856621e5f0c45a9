#include "services/todo/web_routes.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "runtime/http/assets.hpp"
#include "runtime/http/problem.hpp"

namespace todoai::todo {
namespace {

using http::Method;
using http::Request;
using http::Response;

std::string_view content_type_for(std::string_view name) {
    auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    if (ends(".ico")) return "image/x-icon";
    if (ends(".json") || ends(".webmanifest")) return "application/json";
    if (ends(".txt")) return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

std::string etag_of(std::string_view data) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64
    for (unsigned char c : data) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[24];
    std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
    return buf;
}

// True when an If-None-Match list names `etag` (weak or strong) or is "*".
bool matches(std::string_view if_none_match, std::string_view etag) {
    std::size_t at = 0;
    while (at < if_none_match.size()) {
        auto comma = if_none_match.find(',', at);
        if (comma == std::string_view::npos) comma = if_none_match.size();
        auto item = if_none_match.substr(at, comma - at);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item.starts_with("W/")) item.remove_prefix(2);
        if (item == "*" || item == etag) return true;
        at = comma + 1;
    }
    return false;
}

Response serve(const Request& req, std::string_view name) {
    const auto data = assets::find(name);
    if (!data) throw http::HttpError(404, "no such file");
    const auto etag = etag_of(*data);
    Response res{.status = 200, .content_type = std::string(content_type_for(name))};
    res.with_header("ETag", etag);
    res.with_header("Cache-Control", "no-cache");
    res.with_header("Content-Security-Policy", std::string(kWebCsp));
    res.with_header("X-Content-Type-Options", "nosniff");
    res.with_header("Referrer-Policy", "no-referrer");
    if (auto inm = req.header("if-none-match"); inm && matches(*inm, etag)) {
        res.status = 304;
        res.content_type.clear();
        return res;
    }
    res.body = std::string(*data);
    return res;
}

}  // namespace

void register_web_routes(http::Router& router) {
    router.add(Method::get, "/", [](Request& req) { return serve(req, "web/index.html"); });
    router.add(Method::get, "/web/{file}", [](Request& req) {
        const auto file = req.param("file");
        if (file.empty() || file.find('/') != std::string_view::npos || file.starts_with("."))
            throw http::HttpError(404, "no such file");
        return serve(req, "web/" + std::string(file));
    });
}

}  // namespace todoai::todo
