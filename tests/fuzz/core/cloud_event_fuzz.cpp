// CloudEvent envelopes as they arrive from the bus (Kafka, Dapr, the outbox): any bytes parse to an event or a reason.
// An event that parses must serialize and parse back to itself (what a consumer republishes, dead-letters or replays).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "core/cloud_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = todoai::parse_cloud_event(std::string_view(reinterpret_cast<const char*>(data), size));
    const auto* event = std::get_if<todoai::CloudEvent>(&parsed);
    if (!event) return 0;
    (void)todoai::short_event_type(event->type);
    auto again = todoai::parse_cloud_event(todoai::serialize(*event));
    if (!std::holds_alternative<todoai::CloudEvent>(again)) __builtin_trap();
    return 0;
}
