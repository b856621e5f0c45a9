// Several todo replicas on one PostgreSQL schema each run an outbox relay over the same table while writers append:
// every row must be published, one user's events in the order they were committed, and the table left empty.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/time.hpp"
#include "runtime/pubsub/outbox.hpp"
#include "support/postgres_schema.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;
using Access = store::Database::Access;

/// Records what every relay published, in the order the bus received it; slow enough that relays overlap.
class SharedRecordingBus final : public Bus {
  public:
    void subscribe(std::string_view, std::string_view, Handler) override {}
    void subscribe_batch(std::string_view, std::string_view, BatchHandler) override {}
    void publish(std::span<const Message> batch) override {
        std::this_thread::sleep_for(2ms);  // a broker round trip: gives the other relay time to try
        std::lock_guard lock(mutex_);
        if (fail_next_ > 0) {
            --fail_next_;
            throw PublishError("broker unreachable");
        }
        messages_.insert(messages_.end(), batch.begin(), batch.end());
        changed_.notify_all();
    }
    void start() override {}
    void stop() override {}
    bool ready() override { return true; }

    void fail_next(int n) {
        std::lock_guard lock(mutex_);
        fail_next_ = n;
    }
    bool await_messages(std::size_t n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 30s, [&] { return messages_.size() >= n; });
    }
    std::vector<Message> messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Message> messages_;
    int fail_next_ = 0;
};

CloudEvent event(const std::string& id, Timestamp time) {
    CloudEvent e;
    e.id = id;
    e.source = "todo-service";
    e.type = "com.todoai.task.updated";
    e.subject = "task-1";
    e.time = time;
    e.data = boost::json::object{{"event_id", id}};
    return e;
}

// "u3-17" -> 17
int number_of(const std::string& id) { return std::stoi(id.substr(id.find('-') + 1)); }

TEST(PostgresOutboxRelayTest, TwoRelaysPublishEveryRowOnceInPerUserOrder) {
    todoai::testing::PostgresSchema schema{"outbox_relay"};
    const store::Migration migrations[] = {{1, "outbox", kOutboxSqlite, kOutboxPostgres}};
    auto replica_a = schema.open();  // two handles: as two todo replicas would have
    auto replica_b = schema.open();
    replica_a->migrate(migrations);
    replica_b->migrate(migrations);

    ManualClock clock(*parse_rfc3339("2026-02-08T10:00:00Z"));
    SharedRecordingBus bus;
    const RelayOptions options{.batch_size = 7, .idle_poll = 20ms, .error_backoff = 10ms, .busy_backoff = 1ms};
    OutboxRelay relay_a(*replica_a, bus, clock, options);
    OutboxRelay relay_b(*replica_b, bus, clock, options);
    relay_a.start();
    relay_b.start();
    bus.fail_next(2);  // a failed publish rolls back and releases the lock; the rows go out later, still in order

    constexpr int kWriters = 4;
    constexpr int kUsersPerWriter = 2;
    constexpr int kEventsPerUser = 60;
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            auto& db = w % 2 == 0 ? *replica_a : *replica_b;
            auto& relay = w % 2 == 0 ? relay_a : relay_b;
            for (int n = 0; n < kEventsPerUser; ++n) {
                for (int u = 0; u < kUsersPerWriter; ++u) {
                    const std::string user = "u" + std::to_string(w * kUsersPerWriter + u);
                    auto tx = db.begin(Access::write);
                    Outbox::append(*tx, event(user + "-" + std::to_string(n), clock.now()), "task-events", user);
                    tx->commit();
                    relay.notify();
                }
            }
        });
    }
    for (auto& t : writers) t.join();
    constexpr std::size_t kTotal = kWriters * kUsersPerWriter * kEventsPerUser;
    ASSERT_TRUE(bus.await_messages(kTotal)) << "published " << bus.messages().size() << " of " << kTotal;
    relay_a.stop();
    relay_b.stop();

    const auto messages = bus.messages();
    EXPECT_EQ(messages.size(), kTotal);
    std::set<std::string> ids;
    std::map<std::string, int> last_of_user;
    for (const auto& m : messages) {
        EXPECT_TRUE(ids.insert(m.id).second) << "published twice: " << m.id;
        EXPECT_EQ(m.id.substr(0, m.id.find('-')), m.key);
        const int n = number_of(m.id);
        auto [it, first] = last_of_user.emplace(m.key, n);
        if (!first) {
            EXPECT_EQ(n, it->second + 1) << m.key << "'s events out of order";
            it->second = n;
        } else {
            EXPECT_EQ(n, 0) << m.key << " started with " << m.id;
        }
    }
    EXPECT_EQ(last_of_user.size(), static_cast<std::size_t>(kWriters * kUsersPerWriter));
    auto tx = replica_a->begin(Access::read);
    EXPECT_EQ(tx->query("SELECT COUNT(*) FROM outbox")[0].int64(0), 0);
}

TEST(PostgresOutboxRelayTest, ARelayThatFindsTheOutboxBusyWaitsAndThenDrains) {
    todoai::testing::PostgresSchema schema{"outbox_busy"};
    const store::Migration migrations[] = {{1, "outbox", kOutboxSqlite, kOutboxPostgres}};
    auto db = schema.open();
    db->migrate(migrations);
    ManualClock clock(*parse_rfc3339("2026-02-08T10:00:00Z"));
    {
        auto tx = db->begin(Access::write);
        for (int i = 0; i < 3; ++i) Outbox::append(*tx, event("u1-" + std::to_string(i), clock.now()), "t", "u1");
        tx->commit();
    }
    SharedRecordingBus bus;
    OutboxRelay relay(*db, bus, clock, {.busy_backoff = 5ms});

    // Another replica's relay holds the outbox's lock for a while.
    auto other = schema.open();
    auto holder = other->begin(Access::write);
    ASSERT_EQ(holder->query("SELECT pg_try_advisory_xact_lock(1953459202, hashtext(current_schema()))")[0].int64(0), 1);
    std::size_t sent = 0;
    std::thread drainer([&] { sent = relay.drain_once(); });
    std::this_thread::sleep_for(50ms);  // the drainer is backing off meanwhile: nothing may go out
    EXPECT_TRUE(bus.messages().empty());
    holder.reset();  // rollback releases the lock
    drainer.join();
    EXPECT_EQ(sent, 3u);
    EXPECT_EQ(bus.messages().size(), 3u);
}

}  // namespace
}  // namespace todoai::pubsub
