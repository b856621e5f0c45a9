#pragma once
#include <boost/json/value.hpp>

#include "runtime/http/request.hpp"

namespace todoai::http {

/// The request body as JSON: 415 for a non-JSON Content-Type, 400 for an empty body, 400 naming the byte offset for
/// malformed JSON (Boost.JSON's limits apply: nesting deeper than 32 is malformed).
boost::json::value parse_json_body(const Request& req);

}  // namespace todoai::http
