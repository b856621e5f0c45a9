#include "app/dlq.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/pubsub/topic_layout.hpp"
#include "runtime/store/sqlite_database.hpp"

namespace todoai::app {

int dead_letters(const Config& config, const std::string& action, const std::string& topic) {
    // Dead letters exist only for the topics the services publish, in either layout.
    if (!pubsub::Topics::known(topic)) {
        std::cerr << "todoai: unknown topic '" << topic
                  << "' (known: task-events, reminders, or per type task-created, task-updated, task-completed, "
                     "task-deleted, reminder-scheduled, reminder-due; and their -dlq forms)"
                  << std::endl;
        return 2;
    }
    auto db = store::open_sqlite({.file = resolve_data_dir(config) / "bus.db"});
    db->migrate(pubsub::DeadLetterStore::migrations());
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

}  // namespace todoai::app
