#pragma once
// The browser UI (DESIGN.md "HTTP API": GET / is the web UI): the files of web/, compiled into the binary
// (cmake/embed.cmake), served with their content type, an ETag, `Cache-Control: no-cache` and a
// Content-Security-Policy that allows only this origin (and its WebSocket feed).
#include <string_view>

#include "runtime/http/router.hpp"

namespace todoai::todo {

/// The Content-Security-Policy every web UI response carries: nothing inline, nothing from another origin.
inline constexpr std::string_view kWebCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds GET / (web/index.html) and GET /web/{file} (any embedded web/ file; 404 problem otherwise). Each answer has
/// `ETag: "<64-bit FNV-1a of the content, hex>"`, `Cache-Control: no-cache`, the CSP above and
/// `X-Content-Type-Options: nosniff`; a matching `If-None-Match` (or `*`) answers 304 with no body.
void register_web_routes(http::Router& router);

}  // namespace todoai::todo
