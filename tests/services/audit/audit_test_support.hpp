#pragma once
// Shared by the audit tests: a Bus double that records subscriptions, CloudEvent builders, and a fixture holding a
// migrated SQLite store with the service wired to the double.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/cloud_event.hpp"
#include "core/time.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "runtime/store/temp_dir.hpp"
#include "services/audit/audit_service.hpp"

namespace todoai::audit::testing {

namespace json = boost::json;

/// Records each (topic, group, handler); deliver() calls the handler as the bus would (a batch handler with a
/// batch of one), deliver_batch() hands a batch handler several messages at once.
class RecordingBus final : public pubsub::Bus {
  public:
    struct Subscription {
        std::string topic;
        std::string group;
        pubsub::Handler handler;             // per message, or
        pubsub::BatchHandler batch_handler;  // batches
    };

    void subscribe(std::string_view topic, std::string_view group, pubsub::Handler handler) override {
        subscriptions.push_back({std::string(topic), std::string(group), std::move(handler), {}});
    }
    void subscribe_batch(std::string_view topic, std::string_view group, pubsub::BatchHandler handler) override {
        subscriptions.push_back({std::string(topic), std::string(group), {}, std::move(handler)});
    }
    void publish(std::span<const pubsub::Message>) override { ADD_FAILURE() << "the audit service never publishes"; }
    void start() override {}
    void stop() override {}
    bool ready() override { return true; }

    /// Hands `payload` to the handler subscribed to `topic` (exactly one must exist).
    pubsub::HandlerResult deliver(std::string_view topic, std::string payload, int attempt = 1) {
        const Subscription* found = find(topic);
        if (found == nullptr) return pubsub::HandlerResult::retry("no subscription");
        pubsub::Message m{.topic = std::string(topic), .key = "", .payload = std::move(payload), .attempt = attempt};
        if (found->handler) return found->handler(m);
        auto results = found->batch_handler(std::span<const pubsub::Message>(&m, 1));
        EXPECT_EQ(results.size(), 1u);
        return results.empty() ? pubsub::HandlerResult::retry("no result") : std::move(results.front());
    }

    /// Hands `payloads` as one batch to the batch handler subscribed to `topic`; one result per payload.
    std::vector<pubsub::HandlerResult> deliver_batch(std::string_view topic, const std::vector<std::string>& payloads) {
        const Subscription* found = find(topic);
        if (found == nullptr || !found->batch_handler) {
            ADD_FAILURE() << "no batch subscription to " << topic;
            return {};
        }
        std::vector<pubsub::Message> batch;
        for (const auto& p : payloads) batch.push_back({.topic = std::string(topic), .key = "", .payload = p});
        auto results = found->batch_handler(batch);
        EXPECT_EQ(results.size(), batch.size());
        return results;
    }

    std::vector<Subscription> subscriptions;

  private:
    const Subscription* find(std::string_view topic) const {
        const Subscription* found = nullptr;
        for (const auto& s : subscriptions) {
            if (s.topic != topic) continue;
            EXPECT_EQ(found, nullptr) << "two subscriptions to " << topic;
            found = &s;
        }
        if (found == nullptr) ADD_FAILURE() << "no subscription to " << topic;
        return found;
    }
};

/// prefix + decimal i (appended, not "x" + std::to_string(i): GCC 12 -O3 warns -Wrestrict on the latter).
inline std::string numbered(std::string_view prefix, int i) {
    std::string out(prefix);
    out += std::to_string(i);
    return out;
}

inline Timestamp at(std::string_view rfc3339) {
    auto t = parse_rfc3339(rfc3339);
    EXPECT_TRUE(t) << rfc3339;
    return t.value_or(Timestamp{});
}

/// A well-formed event as the todo or notification service publishes it.
struct EventSpec {
    std::string type = "com.todoai.task.created";
    std::string id;
    std::string user_id = "user-a";
    std::string task_id = "task-1";
    std::string source = "todo-service";
    Timestamp time = at("2026-02-08T10:00:00Z");
    std::optional<std::string> correlation_id;
    json::object payload = {{"title", "Buy milk"}, {"status", "pending"}};
};

inline json::object event_object(const EventSpec& s) {
    json::object data{{"event_id", s.id},
                      {"event_type", short_event_type(s.type)},
                      {"task_id", s.task_id},
                      {"user_id", s.user_id},
                      {"correlation_id", s.correlation_id.value_or(s.id)},
                      {"timestamp", format_rfc3339(s.time)},
                      {"schema_version", "1.0"},
                      {"payload", s.payload}};
    return json::object{{"specversion", "1.0"},
                        {"id", s.id},
                        {"source", s.source},
                        {"type", s.type},
                        {"subject", s.task_id},
                        {"time", format_rfc3339(s.time)},
                        {"datacontenttype", "application/json"},
                        {"data", std::move(data)}};
}

inline std::string event_text(const EventSpec& s) { return json::serialize(event_object(s)); }

inline std::string topic_of(std::string_view type) {
    return type.starts_with("com.todoai.reminder.") ? std::string(kRemindersTopic) : std::string(kTaskEventsTopic);
}

class AuditFixture : public ::testing::Test {
  protected:
    AuditFixture()
        : db_(store::open_sqlite({.file = dir_.path() / "audit.db"})),
          clock_(at("2026-02-08T12:00:00Z")),
          service_(*db_, clock_) {
        db_->migrate(AuditService::migrations());
        service_.subscribe(bus_);
    }

    /// Delivers a well-formed event and expects SUCCESS.
    void deliver_ok(const EventSpec& spec) {
        auto result = bus_.deliver(topic_of(spec.type), event_text(spec));
        ASSERT_EQ(result.outcome, pubsub::Outcome::success) << result.reason;
    }

    std::int64_t scalar(std::string_view sql) {
        auto tx = db_->begin(store::Database::Access::read);
        return tx->query(sql).at(0).int64(0);
    }
    std::int64_t stored_items() { return scalar("SELECT count(*) FROM audit_log"); }
    std::int64_t stored_markers() { return scalar("SELECT count(*) FROM processed_events"); }

    /// The list body for `user` parsed back.
    json::object list(std::string_view user, AuditQuery query = {}) {
        return json::parse(service_.list_json(user, query)).as_object();
    }
    static std::vector<std::string> ids(const json::object& page) {
        std::vector<std::string> out;
        for (const auto& item : page.at("items").as_array())
            out.emplace_back(item.as_object().at("event_id").as_string());
        return out;
    }

    test_support::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    ManualClock clock_;
    RecordingBus bus_;
    AuditService service_;
};

}  // namespace todoai::audit::testing
