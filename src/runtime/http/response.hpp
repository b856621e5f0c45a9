#pragma once
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace todoai::http {

struct EventStream;

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Location, ETag, Allow, ...)
    std::string body;
    std::shared_ptr<const EventStream> stream;  // set by event_stream_response(): the body is a live stream

    static Response json(int status, const boost::json::value& value);
    static Response empty(int status);
    Response& with_header(std::string name, std::string value) &;
    Response&& with_header(std::string name, std::string value) &&;
};

}  // namespace todoai::http
