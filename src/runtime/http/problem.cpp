#include "runtime/http/problem.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/utf8.hpp"

namespace todoai::http {

std::string_view status_title(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 101:
            return "Switching Protocols";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 206:
            return "Partial Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            return "Length Required";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 417:
            return "Expectation Failed";
        case 422:
            return "Unprocessable Content";
        case 426:
            return "Upgrade Required";
        case 428:
            return "Precondition Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            break;
    }
    if (status >= 100 && status < 200) return "Informational";
    if (status >= 200 && status < 300) return "Success";
    if (status >= 300 && status < 400) return "Redirection";
    if (status >= 400 && status < 500) return "Client Error";
    return "Server Error";
}

Response to_response(const Problem& problem) {
    boost::json::object body;
    body["type"] = problem.type.empty() ? std::string_view("about:blank") : std::string_view(problem.type);
    body["title"] = problem.title.empty() ? status_title(problem.status) : std::string_view(problem.title);
    body["status"] = problem.status;
    body["detail"] = to_valid_utf8(problem.detail);  // details may quote a client's bytes
    if (!problem.errors.empty()) {
        boost::json::array errors;
        errors.reserve(problem.errors.size());
        for (const auto& e : problem.errors)
            errors.push_back(boost::json::object{{"field", to_valid_utf8(e.field)}, {"message", e.message}});
        body["errors"] = std::move(errors);
    }
    Response res;
    res.status = problem.status;
    res.content_type = "application/problem+json";
    res.body = boost::json::serialize(body);
    res.headers = problem.headers;
    // RFC 6750 §3: a 401 names the scheme it wants, so a client knows to (re)send a bearer token.
    if (problem.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"todoai\"");
    return res;
}

HttpError::HttpError(int status, std::string detail, FieldErrors errors)
    : std::runtime_error(detail),
      problem_{status, std::string(status_title(status)), std::move(detail), std::move(errors)} {}

HttpError HttpError::too_many_requests(std::string detail, std::chrono::seconds retry_after) {
    HttpError error(429, std::move(detail));
    error.problem_.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
    return error;
}

}  // namespace todoai::http
