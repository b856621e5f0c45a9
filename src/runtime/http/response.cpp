#include "runtime/http/response.hpp"

#include <boost/json/serialize.hpp>

namespace todoai::http {

Response Response::json(int status, const boost::json::value& value) {
    Response res;
    res.status = status;
    res.body = boost::json::serialize(value);
    return res;
}

Response Response::empty(int status) {
    Response res;
    res.status = status;
    res.content_type.clear();
    return res;
}

Response& Response::with_header(std::string name, std::string value) & {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

Response&& Response::with_header(std::string name, std::string value) && {
    headers.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
}

}  // namespace todoai::http
