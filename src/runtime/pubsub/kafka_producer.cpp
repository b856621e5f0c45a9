#include "runtime/pubsub/kafka_producer.hpp"

#include <boost/json.hpp>
#include <memory>

#include "runtime/log/log.hpp"
#include "runtime/pubsub/kafka_config.hpp"

namespace todoai::pubsub::kafka {
namespace {

constexpr int kPollMs = 100;
// How long produce() waits for room when librdkafka's local queue is full, before looking again.
constexpr auto kQueueFullWait = std::chrono::milliseconds(5);
constexpr auto kFlushOnClose = std::chrono::milliseconds(2000);

}  // namespace

struct Producer::Deliveries {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t outstanding = 0;
    std::string failure;  // the first failed delivery report, "<topic>: <reason>"
};

Producer::Producer(const KafkaOptions& options) : timeout_(options.publish_timeout) {
    Config conf = producer_config(options);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
    rd_kafka_conf_set_stats_cb(conf.get(), on_statistics);
    rd_kafka_conf_set_error_cb(conf.get(), on_error);
    rd_kafka_conf_set_log_cb(conf.get(), on_log);
    char error[512];
    handle_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof error));
    if (!handle_) throw std::invalid_argument(std::string("kafka: cannot create the producer: ") + error);
    conf.release();  // rd_kafka_new took it
    poller_ = std::thread([this] { serve_callbacks(); });
}

Producer::~Producer() {
    rd_kafka_flush(handle_.get(), static_cast<int>(kFlushOnClose.count()));
    stopping_ = true;
    poller_.join();
}

void Producer::serve_callbacks() {
    while (!stopping_) rd_kafka_poll(handle_.get(), kPollMs);
}

void Producer::produce(std::span<const OutgoingRecord> records) {
    if (records.empty()) return;
    if (fatal_) throw PublishError("kafka: the producer hit a fatal error and cannot publish (see the log)");
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    auto deliveries = std::make_shared<Deliveries>();
    deliveries->outstanding = records.size();

    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        Headers headers(rd_kafka_headers_new(r.headers.size()));
        for (const auto& [name, value] : r.headers)
            rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()), value.data(),
                                static_cast<ssize_t>(value.size()));
        // The delivery report owns one reference to the call's state: it may arrive after produce() gave up.
        auto* report = new std::shared_ptr<Deliveries>(deliveries);
        for (;;) {
            const auto err =
                rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(r.topic.c_str()),
                                  RD_KAFKA_V_KEY(r.key.empty() ? nullptr : r.key.data(), r.key.size()),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers.get()),
                                  RD_KAFKA_V_OPAQUE(report), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                headers.release();  // the record owns them now
                break;
            }
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && std::chrono::steady_clock::now() < deadline) {
                // The poller thread frees room as delivery reports come in; there is no event to wait on.
                std::this_thread::sleep_for(kQueueFullWait);
                continue;
            }
            delete report;
            std::lock_guard lock(deliveries->mutex);
            deliveries->outstanding -= records.size() - i;  // this record and the ones never produced
            throw PublishError("kafka: cannot publish to '" + r.topic + "': " + rd_kafka_err2str(err));
        }
    }

    std::unique_lock lock(deliveries->mutex);
    const bool all_reported = deliveries->done.wait_until(
        lock, deadline, [&] { return deliveries->outstanding == 0 || !deliveries->failure.empty(); });
    if (!deliveries->failure.empty()) throw PublishError("kafka: publishing to " + deliveries->failure);
    if (!all_reported)
        throw PublishError("kafka: publishing to '" + records.front().topic + "' timed out after " +
                           std::to_string(timeout_.count()) + " ms (" + std::to_string(deliveries->outstanding) +
                           " of " + std::to_string(records.size()) + " not acknowledged; brokers unreachable?)");
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* record, void*) {
    std::unique_ptr<std::shared_ptr<Deliveries>> report(static_cast<std::shared_ptr<Deliveries>*>(record->_private));
    auto& deliveries = **report;
    std::lock_guard lock(deliveries.mutex);
    --deliveries.outstanding;
    if (record->err && deliveries.failure.empty())
        deliveries.failure =
            "'" + std::string(rd_kafka_topic_name(record->rkt)) + "': " + rd_kafka_err2str(record->err);
    deliveries.done.notify_all();
}

int Producer::on_statistics(rd_kafka_t*, char* json, std::size_t length, void* opaque) {
    static_cast<Producer*>(opaque)->read_statistics(std::string_view(json, length));
    return 0;  // librdkafka frees the JSON
}

// Warm: the idempotent producer has its producer id. Up: some broker (not a bootstrap entry) is connected.
void Producer::read_statistics(std::string_view json) {
    boost::system::error_code ec;
    const auto stats = boost::json::parse(json, ec);
    if (ec || !stats.is_object()) return;
    bool up = false;
    if (const auto* brokers = stats.as_object().if_contains("brokers"); brokers && brokers->is_object()) {
        for (const auto& [name, broker] : brokers->as_object()) {
            const auto* state = broker.is_object() ? broker.as_object().if_contains("state") : nullptr;
            const auto* id = broker.is_object() ? broker.as_object().if_contains("nodeid") : nullptr;
            if (state && id && id->is_int64() && id->as_int64() >= 0 && state->is_string() &&
                state->as_string() == "UP")
                up = true;
        }
    }
    bool warm = false;
    if (const auto* eos = stats.as_object().if_contains("eos"); eos && eos->is_object()) {
        const auto* state = eos->as_object().if_contains("idemp_state");
        warm = state && state->is_string() && state->as_string() == "Assigned";
    }
    const bool was_ready = ready();
    broker_up_ = up;
    warm_ = warm;
    if (ready()) was_ready_ = true;
    if (ready() != was_ready) {
        log::info(ready() ? "kafka: producer ready (a broker is up, producer id assigned)"
                          : "kafka: producer not ready (no broker up or no producer id)");
        std::lock_guard lock(ready_mutex_);
        ready_changed_.notify_all();
    }
}

void Producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        log::error(std::string("kafka: producer fatal error, publishing stops: ") + fatal);
        self->fatal_ = true;
    } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        self->broker_up_ = false;  // statistics confirm it within one interval; readiness reacts now
    }
    const auto text =
        std::string("kafka: producer: ") + rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)) + ": " + reason;
    if (self->was_ready_ || err == RD_KAFKA_RESP_ERR__FATAL)
        log::warn(text);
    else
        log::debug(text);
}

void Producer::on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    const auto* self = static_cast<const Producer*>(rd_kafka_opaque(rk));
    if (self != nullptr && !self->was_ready_) {
        log::debug(std::string("kafka ") + rd_kafka_name(rk) + " " + facility + ": " + message);
        return;
    }
    forward_log(rk, level, facility, message);
}

bool Producer::wait_ready(std::chrono::milliseconds timeout) {
    std::unique_lock lock(ready_mutex_);
    return ready_changed_.wait_for(lock, timeout, [this] { return ready(); });
}

}  // namespace todoai::pubsub::kafka
