#pragma once
// What the feed needs from a bus message (pure: no I/O): the event id and the user it belongs to.
#include <string>
#include <string_view>
#include <variant>

namespace todoai::websocket {

struct FeedEvent {
    std::string event_id;
    std::string user_id;  // data.user_id: only this user's connections receive the event
};

inline constexpr std::size_t kMaxIdLength = 255;

/// Checks the CloudEvent (required attributes, specversion "1.0", one of the six task/reminder types, `data` an
/// object with a non-empty `user_id`, `data.event_id` equal to `id` when present, ids ≤ 255 characters). Returns
/// the reason when the message cannot go on the feed (the DROP reason).
std::variant<FeedEvent, std::string> parse_feed_event(std::string_view message);

/// The control message telling a client it missed events it cannot get back: reload, then keep listening.
std::string resync_message(std::string_view reason);

}  // namespace todoai::websocket
