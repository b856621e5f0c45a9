#pragma once
// RFC 9457 problem details. Handlers throw HttpError for expected client errors; the server renders it.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/field_error.hpp"
#include "runtime/http/response.hpp"

namespace todoai::http {

struct Problem {
    int status = 500;
    std::string title;   // short, per status ("Unprocessable Content")
    std::string detail;  // what happened in this request, enough to act on
    FieldErrors errors;  // for 422: each offending field
    std::string type = "about:blank";
};

/// application/problem+json body with `type`, `title`, `status`, `detail` and, when present, `errors`.
Response to_response(const Problem& problem);

/// Standard reason phrase for a status ("Not Found").
std::string_view status_title(int status);

/// An expected failure at the HTTP edge (userver's ClientError): 4xx, or 503 when a dependency is down.
class HttpError : public std::runtime_error {
public:
    HttpError(int status, std::string detail, FieldErrors errors = {});
    const Problem& problem() const { return problem_; }

private:
    Problem problem_;
};

}  // namespace todoai::http
