#pragma once
#include <string>

#include "app/config.hpp"

namespace todoai::app {

/// `todoai dlq list <topic>`: the topic's dead letters, one JSON object per line, oldest first.
/// `todoai dlq replay <topic>`: embedded bus: marks them for redelivery; the serving process redelivers each to the
/// service that gave up on it (within a second, or at its next start). Kafka bus (TODOAI_KAFKA_BROKERS): produces each
/// one not replayed yet back to its original topic, progress kept as consumer group todoai-dlq-replay's offsets on
/// "<topic>-dlq". An unknown topic is a one-line error and exit 2.
int dead_letters(const Config& config, const std::string& action, const std::string& topic);

}  // namespace todoai::app
