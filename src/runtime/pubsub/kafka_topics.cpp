#include "runtime/pubsub/kafka_topics.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "runtime/log/log.hpp"

namespace todoai::pubsub::kafka {
namespace {

struct AdminDeleter {
    void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
    void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
    void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
    void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
template <typename T>
using Owned = std::unique_ptr<T, AdminDeleter>;

// Answers after which asking again is pointless: the broker cannot or may not create topics. The topics are then
// assumed to be there (created by an operator, or auto-created on first use).
bool cannot_create(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION ||
           err == RD_KAFKA_RESP_ERR_INVALID_REQUEST || err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
           err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR_POLICY_VIOLATION;
}

}  // namespace

TopicCreator::TopicCreator(rd_kafka_t* handle, int partitions, int replication, std::chrono::milliseconds timeout)
    : handle_(handle), partitions_(partitions), replication_(replication), timeout_(timeout) {
    if (partitions_ < 1) throw std::invalid_argument("kafka: topic partitions must be at least 1");
    if (replication_ < 0) throw std::invalid_argument("kafka: topic replication must be 0 (automatic) or more");
}

int TopicCreator::replication_for(int configured, int brokers) {
    if (configured > 0) return configured;
    return std::clamp(brokers, 1, 3);
}

bool TopicCreator::exists(const std::string& topic, std::chrono::milliseconds timeout) {
    auto* handle = rd_kafka_topic_new(handle_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    const auto err = rd_kafka_metadata(handle_, 0, handle, &metadata, static_cast<int>(timeout.count()));
    rd_kafka_topic_destroy(handle);
    if (err)
        throw std::runtime_error("kafka: the brokers did not answer a metadata request for topic '" + topic +
                                 "': " + rd_kafka_err2str(err));
    const auto topic_err = metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    rd_kafka_metadata_destroy(metadata);
    // A topic another client created a moment ago may have no leader yet: it exists all the same.
    return topic_err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && topic_err != RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
}

int TopicCreator::broker_count(std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* metadata = nullptr;
    // all_topics=0 and no topic: brokers only, the cheapest metadata request.
    const auto err = rd_kafka_metadata(handle_, 0, nullptr, &metadata, static_cast<int>(timeout.count()));
    if (err)
        throw std::runtime_error(std::string("kafka: the brokers did not answer a metadata request: ") +
                                 rd_kafka_err2str(err));
    const int brokers = metadata->broker_cnt;
    rd_kafka_metadata_destroy(metadata);
    return brokers;
}

void TopicCreator::ensure(const std::vector<std::string>& topics) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> missing;
    for (const auto& t : topics)
        if (!known_.contains(t) && std::find(missing.begin(), missing.end(), t) == missing.end()) missing.push_back(t);
    if (missing.empty()) return;

    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    // Asking first keeps the admin request for what is missing: an existing topic needs no CREATE permission, and a
    // broker that auto-creates topics (librdkafka's mock cluster, which has no CreateTopics) makes it here.
    std::erase_if(missing, [&](const std::string& t) {
        if (!exists(t, timeout_)) return false;
        known_.insert(t);
        return true;
    });
    if (missing.empty()) return;
    const int replication = replication_for(replication_, broker_count(timeout_));
    std::vector<Owned<rd_kafka_NewTopic_t>> owned;
    std::vector<rd_kafka_NewTopic_t*> requests;
    char error[512];
    for (const auto& t : missing) {
        owned.emplace_back(rd_kafka_NewTopic_new(t.c_str(), partitions_, replication, error, sizeof error));
        if (!owned.back()) throw std::invalid_argument("kafka: topic '" + t + "': " + error);
        requests.push_back(owned.back().get());
    }
    const auto left = std::max<std::int64_t>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    Owned<rd_kafka_AdminOptions_t> options(rd_kafka_AdminOptions_new(handle_, RD_KAFKA_ADMIN_OP_CREATETOPICS));
    // The controller's answer comes once the topics exist (not merely once the request was accepted).
    rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(left), error, sizeof error);
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(left), error, sizeof error);
    Owned<rd_kafka_queue_t> queue(rd_kafka_queue_new(handle_));
    rd_kafka_CreateTopics(handle_, requests.data(), requests.size(), options.get(), queue.get());
    Owned<rd_kafka_event_t> event(rd_kafka_queue_poll(queue.get(), static_cast<int>(left) + 1000));
    if (!event)
        throw std::runtime_error("kafka: creating topic '" + missing.front() + "' got no answer within " +
                                 std::to_string(timeout_.count()) + " ms");

    const auto describe = [&](const std::string& what) {
        std::string names;
        for (const auto& t : missing) names += (names.empty() ? "'" : ", '") + t + "'";
        return "kafka: cannot create topic(s) " + names + " (" + what + ")";
    };
    if (const auto err = rd_kafka_event_error(event.get())) {
        if (cannot_create(err)) {
            log::warn(describe(rd_kafka_event_error_string(event.get())) +
                      "; assuming they exist or are auto-created (create them yourself if not)");
            known_.insert(missing.begin(), missing.end());
            return;
        }
        throw std::runtime_error(describe(rd_kafka_event_error_string(event.get())));
    }
    const auto* result = rd_kafka_event_CreateTopics_result(event.get());
    std::size_t count = 0;
    const auto* answers = rd_kafka_CreateTopics_result_topics(result, &count);
    std::string failure;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string name = rd_kafka_topic_result_name(answers[i]);
        const auto err = rd_kafka_topic_result_error(answers[i]);
        const char* why = rd_kafka_topic_result_error_string(answers[i]);
        const std::string reason = why ? why : rd_kafka_err2str(err);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            log::info("kafka: created topic '" + name + "' (" + std::to_string(partitions_) + " partitions, " +
                      std::to_string(replication) + " replica(s))");
            known_.insert(name);
        } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            known_.insert(name);
        } else if (cannot_create(err)) {
            log::warn("kafka: cannot create topic '" + name + "' (" + reason +
                      "); assuming it exists or is auto-created (create it yourself if not)");
            known_.insert(name);
        } else if (failure.empty()) {
            failure = "kafka: cannot create topic '" + name + "': " + reason;
        }
    }
    if (!failure.empty()) throw std::runtime_error(failure);
}

}  // namespace todoai::pubsub::kafka
