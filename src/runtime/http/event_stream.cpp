#include "runtime/http/event_stream.hpp"

#include <utility>

namespace todoai::http {

Response event_stream_response(std::shared_ptr<WebSocketSession> session, EventStreamOptions options) {
    Response res;
    res.status = 200;
    res.content_type = "text/event-stream";
    // Proxies and caches must pass each event on as it comes (X-Accel-Buffering: nginx's own switch).
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.headers.emplace_back("X-Accel-Buffering", "no");
    res.stream = std::make_shared<const EventStream>(EventStream{std::move(session), options});
    return res;
}

std::string event_stream_frame(std::string_view id, std::string_view type, std::string_view data) {
    std::string frame;
    frame.reserve(data.size() + id.size() + type.size() + 24);
    const auto single_line = [](std::string_view s) {
        return s.find_first_of(std::string_view("\r\n\0", 3)) == s.npos;
    };
    if (!id.empty() && single_line(id)) {
        frame += "id: ";
        frame += id;
        frame += '\n';
    }
    if (!type.empty() && single_line(type)) {
        frame += "event: ";
        frame += type;
        frame += '\n';
    }
    // Each line of the data is a data: field (CR, LF and CRLF all end a line); the client joins them with LF.
    std::size_t start = 0;
    for (;;) {
        const auto end = data.find_first_of("\r\n", start);
        frame += "data: ";
        frame += data.substr(start, end == data.npos ? data.npos : end - start);
        frame += '\n';
        if (end == data.npos) break;
        start = end + 1;
        if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
    }
    frame += '\n';
    return frame;
}

}  // namespace todoai::http
