#include "app/consumer_groups.hpp"

#include <unistd.h>

#include <climits>

namespace todoai::app {

GroupNamingBus::GroupNamingBus(pubsub::Bus& bus, std::string prefix, std::string suffix)
    : bus_(bus), prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}

std::string GroupNamingBus::group_name(std::string_view group) const {
    std::string name = prefix_.empty() ? std::string(group) : prefix_ + "." + std::string(group);
    if (!suffix_.empty()) name += "." + suffix_;
    return name;
}

void GroupNamingBus::subscribe(std::string_view topic, std::string_view group, pubsub::Handler handler) {
    bus_.subscribe(topic, group_name(group), std::move(handler));
}

void GroupNamingBus::subscribe_batch(std::string_view topic, std::string_view group, pubsub::BatchHandler handler) {
    bus_.subscribe_batch(topic, group_name(group), std::move(handler));
}

std::string default_replica_id() {
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "replica-" + std::to_string(getpid());
    return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace todoai::app
