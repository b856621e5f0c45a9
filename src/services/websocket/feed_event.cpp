#include "services/websocket/feed_event.hpp"

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/cloud_event.hpp"

namespace todoai::websocket {
std::variant<FeedEvent, std::string> parse_feed_event(std::string_view message) {
    auto parsed = parse_cloud_event(message);
    if (auto* why = std::get_if<std::string>(&parsed)) return "not a CloudEvent: " + *why;
    const auto& event = std::get<CloudEvent>(parsed);
    if (std::find(event_type::kAll.begin(), event_type::kAll.end(), event.type) == event_type::kAll.end())
        return "type '" + event.type + "' is not a task or reminder event";
    if (event.id.empty()) return std::string("id must not be empty");
    if (event.id.size() > kMaxIdLength) return "id is longer than " + std::to_string(kMaxIdLength) + " characters";
    const boost::json::object* data = event.data.if_object();
    if (data == nullptr) return std::string("data must be a JSON object");

    const boost::json::value* user = data->if_contains("user_id");
    if (user == nullptr) return std::string("data.user_id is missing");
    const boost::json::string* user_id = user->if_string();
    if (user_id == nullptr) return std::string("data.user_id must be a string");
    if (user_id->empty()) return std::string("data.user_id must not be empty");
    if (user_id->size() > kMaxIdLength)
        return "data.user_id is longer than " + std::to_string(kMaxIdLength) + " characters";
    if (const boost::json::value* id = data->if_contains("event_id")) {
        const boost::json::string* s = id->if_string();
        if (s == nullptr || std::string_view(*s) != event.id) return "data.event_id differs from id '" + event.id + "'";
    }
    return FeedEvent{event.id, std::string(user_id->data(), user_id->size())};
}

std::string resync_message(std::string_view reason) {
    return boost::json::serialize(boost::json::object{{"type", "com.todoai.resync"}, {"reason", reason}});
}

}  // namespace todoai::websocket
