#include "runtime/pubsub/kafka_headers.hpp"

#include <librdkafka/rdkafka.h>

#include <charconv>

namespace todoai::pubsub::kafka {

std::optional<std::string> header(const rd_kafka_message_t* record, const char* name) {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(record, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    if (value == nullptr) return std::string();
    return std::string(static_cast<const char*>(value), size);
}

namespace {

// Splits "<rest>:<number>" at the last colon.
std::optional<std::pair<std::string_view, std::size_t>> split_number(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::size_t number = 0;
    const auto digits = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return std::pair{text.substr(0, colon), number};
}

}  // namespace

std::optional<PublishPosition> parse_publish_position(std::string_view value) {
    const auto count = split_number(value);
    if (!count) return std::nullopt;
    const auto index = split_number(count->first);
    if (!index || index->second >= count->second) return std::nullopt;
    return PublishPosition{std::string(index->first), index->second, count->second};
}

}  // namespace todoai::pubsub::kafka
