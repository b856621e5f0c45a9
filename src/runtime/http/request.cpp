#include "runtime/http/request.hpp"

namespace todoai::http {

std::string_view to_string(Method m) {
    switch (m) {
        case Method::get:
            return "GET";
        case Method::head:
            return "HEAD";
        case Method::post:
            return "POST";
        case Method::put:
            return "PUT";
        case Method::patch:
            return "PATCH";
        case Method::del:
            return "DELETE";
        case Method::options:
            return "OPTIONS";
        case Method::other:
            break;
    }
    return "OTHER";
}

std::optional<std::string_view> Request::header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers)
        if (name == lowercase_name) return std::string_view(value);
    return std::nullopt;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
    for (const auto& [key, value] : query)
        if (key == name) return std::string_view(value);
    return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
    for (const auto& [key, value] : params)
        if (key == name) return value;
    return {};
}

}  // namespace todoai::http
