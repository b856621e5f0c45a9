#include "app/dlq.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <iostream>

#include "app/drivers.hpp"
#include "app/kafka_options.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/pubsub/kafka_dead_letters.hpp"
#include "runtime/pubsub/topic_layout.hpp"

namespace todoai::app {

namespace {

// The in-process bus keeps its dead letters in a store (bus.db, or the bus_dead_letters schema on PostgreSQL, where
// `serve` put them); replay marks them and the serving process redelivers them.
int stored_dead_letters(const Config& config, const std::string& action, const std::string& topic) {
    auto db = StoreLocation(config).open("bus", StoreLocation::kBusSchema, pubsub::DeadLetterStore::migrations());
    pubsub::DeadLetterStore store(*db);
    if (action == "replay") {
        auto n = store.requeue(topic);
        std::cout << "requeued " << n << " dead letter(s) of " << topic
                  << "; the serving todoai redelivers them within a second (or when it next starts)" << std::endl;
        return 0;
    }
    for (const auto& d : store.list(topic)) {
        boost::json::object line{{"id", d.id},
                                 {"topic", d.topic},
                                 {"original_topic", d.original_topic},
                                 {"group", d.group},
                                 {"key", d.key},
                                 {"event_id", d.event_id},
                                 {"reason", d.reason},
                                 {"attempts", d.attempts},
                                 {"failed_at", d.failed_at},
                                 {"requeued", d.requeued},
                                 {"payload", d.payload}};
        std::cout << boost::json::serialize(line) << '\n';
    }
    return 0;
}

// The Kafka bus keeps them in the <topic>-dlq topics; replay produces them back to their topics itself.
int kafka_dead_letters(const Config& config, const std::string& action, const std::string& topic) {
    pubsub::KafkaDeadLetters dead_letters(kafka_options(config),
                                          std::chrono::seconds(config.kafka_connect_timeout_seconds));
    if (action == "replay") {
        const auto result = dead_letters.replay(topic);
        std::cout << "replayed " << result.replayed << " dead letter(s) of " << result.topic
                  << " to their original topics";
        if (result.duplicates > 0)
            std::cout << " (" << result.duplicates << " more were other groups' copies of an event sent once)";
        std::cout << "; consumer group " << pubsub::kDeadLetterReplayGroup << " holds the progress" << std::endl;
        return 0;
    }
    for (const auto& d : dead_letters.list(topic)) {
        const auto& l = d.letter;
        // No numeric id as in bus.db: a Kafka record is named by its partition and offset.
        boost::json::object line{{"topic", l.topic},       {"partition", d.partition},
                                 {"offset", d.offset},     {"original_topic", l.original_topic},
                                 {"group", l.group},       {"key", l.key},
                                 {"event_id", l.event_id}, {"reason", l.reason},
                                 {"attempts", l.attempts}, {"failed_at", l.failed_at},
                                 {"replayed", l.requeued}, {"payload", l.payload}};
        std::cout << boost::json::serialize(line) << '\n';
    }
    return 0;
}

}  // namespace

int dead_letters(const Config& config, const std::string& action, const std::string& topic) {
    // Dead letters exist only for the topics the services publish, in either layout.
    if (!pubsub::Topics::known(topic)) {
        std::cerr << "todoai: unknown topic '" << topic
                  << "' (known: task-events, reminders, or per type task-created, task-updated, task-completed, "
                     "task-deleted, reminder-scheduled, reminder-due; and their -dlq forms)"
                  << std::endl;
        return 2;
    }
    if (!config.kafka_brokers.empty()) return kafka_dead_letters(config, action, topic);
    return stored_dead_letters(config, action, topic);
}

}  // namespace todoai::app
