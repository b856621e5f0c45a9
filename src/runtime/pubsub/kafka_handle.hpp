#pragma once
// Owning handles for librdkafka's C objects, so every exit path releases them.
#include <librdkafka/rdkafka.h>

#include <memory>

namespace todoai::pubsub::kafka {

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
    void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
    void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
    void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
};

using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Config = std::unique_ptr<rd_kafka_conf_t, HandleDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, HandleDeleter>;
using Record = std::unique_ptr<rd_kafka_message_t, HandleDeleter>;
using Headers = std::unique_ptr<rd_kafka_headers_t, HandleDeleter>;

}  // namespace todoai::pubsub::kafka
