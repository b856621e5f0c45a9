#pragma once
// RFC 9457 problem details. Handlers throw HttpError for expected client errors; the server renders it.
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
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
    std::vector<std::pair<std::string, std::string>> headers;  // sent with it (Retry-After, WWW-Authenticate)
};

/// application/problem+json body with `type`, `title`, `status`, `detail` and, when present, `errors`.
Response to_response(const Problem& problem);

/// Standard reason phrase for a status ("Not Found").
std::string_view status_title(int status);

/// An expected failure at the HTTP edge (userver's ClientError): 4xx, or 503 when a dependency is down.
class HttpError : public std::runtime_error {
  public:
    HttpError(int status, std::string detail, FieldErrors errors = {});
    /// 429 with Retry-After.
    static HttpError too_many_requests(std::string detail, std::chrono::seconds retry_after);
    const Problem& problem() const { return problem_; }

  private:
    Problem problem_;
};

}  // namespace todoai::http
