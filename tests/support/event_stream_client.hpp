#pragma once
// A Server-Sent Events reader for tests: sends the GET, reads the head, then parses the stream event by event as
// the WHATWG HTML "event stream" interpretation does (fields id/event/data/retry, comments, data lines joined by LF).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/raw_http_client.hpp"

namespace todoai::testing {

struct StreamEvent {
    std::string id;
    std::string type;  // the `event:` field, empty for a default "message"
    std::string data;
    std::vector<std::string> comments;  // comment lines before it (heartbeats)
    std::optional<std::string> retry;
};

class EventStreamClient {
  public:
    /// Connects and sends `GET target` with `headers` (each "Name: value\r\n"); read head() before next().
    EventStreamClient(std::uint16_t port, const std::string& target, const std::string& headers = "") : raw_(port) {
        raw_.send("GET " + target + " HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n" + headers + "\r\n");
    }

    std::optional<RawResponse> head() { return raw_.read_response(true); }

    /// The next dispatched block: an event, or (when `comments_too`) a block of comments and fields alone.
    std::optional<StreamEvent> next(bool comments_too = false) {
        for (;;) {
            auto block = raw_.read_until("\n\n");
            if (!block) return std::nullopt;
            StreamEvent event;
            bool has_data = false;
            std::size_t start = 0;
            while (start + 1 < block->size()) {
                const auto end = block->find('\n', start);
                const auto line = block->substr(start, end - start);
                start = end + 1;
                if (line.starts_with(":")) {
                    event.comments.push_back(line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1));
                    continue;
                }
                const auto colon = line.find(':');
                const auto name = line.substr(0, colon);
                auto value = colon == std::string::npos ? std::string() : line.substr(colon + 1);
                if (value.starts_with(" ")) value.erase(0, 1);
                if (name == "data") {
                    if (has_data) event.data += '\n';
                    event.data += value;
                    has_data = true;
                } else if (name == "id") {
                    event.id = value;
                } else if (name == "event") {
                    event.type = value;
                } else if (name == "retry") {
                    event.retry = value;
                }
            }
            if (has_data || comments_too) return event;
        }
    }

    /// True when the server ended the response (end of stream) before the deadline; false on a timeout.
    bool ended() { return raw_.ended_within(kRawDeadline); }

  private:
    RawClient raw_;
};

}  // namespace todoai::testing
