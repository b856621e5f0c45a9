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

std::optional<PublishPosition> parse_publish_position(std::string_view value) {
    const auto last_colon = value.rfind(':');
    if (last_colon == std::string_view::npos || last_colon == 0) return std::nullopt;
    std::size_t index = 0;
    const auto digits = value.substr(last_colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return PublishPosition{std::string(value.substr(0, last_colon)), index};
}

}  // namespace todoai::pubsub::kafka
