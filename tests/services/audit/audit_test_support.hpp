#pragma once
// Shared by the audit tests: the recording Bus double (support/recording_bus.hpp), CloudEvent builders, and a fixture
// holding a migrated SQLite store with the service wired to the double.
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
#include "services/audit/audit_service.hpp"
#include "support/recording_bus.hpp"
#include "support/temp_dir.hpp"

namespace todoai::audit::testing {

namespace json = boost::json;

using todoai::testing::RecordingBus;

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

inline std::string topic_of(std::string_view type) { return std::string(pubsub::Topics{}.topic_for(type)); }

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

    /// One page for `user`: {"items": the body's array parsed back, "next_cursor": the page's cursor or null}.
    json::object list(std::string_view user, AuditQuery query = {}) {
        auto page = service_.list_page(user, query);
        json::value next = nullptr;
        if (page.next_cursor) next = json::string(*page.next_cursor);
        return json::object{{"items", json::parse(page.array)}, {"next_cursor", std::move(next)}};
    }
    static std::vector<std::string> ids(const json::object& page) {
        std::vector<std::string> out;
        for (const auto& item : page.at("items").as_array())
            out.emplace_back(item.as_object().at("event_id").as_string());
        return out;
    }

    todoai::testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    ManualClock clock_;
    RecordingBus bus_;
    AuditService service_;
};

}  // namespace todoai::audit::testing
