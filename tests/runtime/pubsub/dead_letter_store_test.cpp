#include "runtime/pubsub/dead_letter_store.hpp"

#include <gtest/gtest.h>

#include "core/time.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::pubsub {
namespace {

class DeadLetterStoreTest : public ::testing::Test {
  protected:
    DeadLetterStoreTest() : db_(store::open_sqlite({.file = dir_.path() / "bus.db"})) {
        db_->migrate(DeadLetterStore::migrations());
    }

    static Message msg(std::string topic, std::string id, int attempt = 1) {
        return Message{.topic = std::move(topic),
                       .key = "user-1",
                       .payload = "{\"id\":\"" + id + "\"}",
                       .id = id,
                       .attempt = attempt};
    }

    todoai::testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    DeadLetterStore store_{*db_};
    const Timestamp now_ = *parse_rfc3339("2026-02-08T10:00:00Z");
};

TEST_F(DeadLetterStoreTest, AddThenListUnderEitherTopicName) {
    store_.add(msg("task-events", "e1", 5), "audit", "gave up: database busy", now_);
    store_.add(msg("task-events", "e2"), "recurring", "not a CloudEvent", now_);
    store_.add(msg("reminders", "r1"), "websocket", "unknown type", now_);

    const auto letters = store_.list("task-events-dlq");
    ASSERT_EQ(letters.size(), 2u);
    EXPECT_EQ(letters[0].event_id, "e1");  // oldest first
    EXPECT_EQ(letters[0].topic, "task-events-dlq");
    EXPECT_EQ(letters[0].original_topic, "task-events");
    EXPECT_EQ(letters[0].group, "audit");
    EXPECT_EQ(letters[0].key, "user-1");
    EXPECT_EQ(letters[0].payload, "{\"id\":\"e1\"}");
    EXPECT_EQ(letters[0].reason, "gave up: database busy");
    EXPECT_EQ(letters[0].attempts, 5);
    EXPECT_EQ(letters[0].failed_at, "2026-02-08T10:00:00.000Z");
    EXPECT_FALSE(letters[0].requeued);
    EXPECT_EQ(letters[1].event_id, "e2");

    EXPECT_EQ(store_.list("task-events").size(), 2u);
    EXPECT_EQ(store_.list("reminders-dlq").size(), 1u);
    EXPECT_EQ(store_.list("task-events", 1).size(), 1u);
    EXPECT_TRUE(store_.list("nothing-here").empty());
}

TEST_F(DeadLetterStoreTest, RequeueMarksOnlyThatTopicAndTakeReturnsThemOldestFirst) {
    store_.add(msg("task-events", "e1"), "audit", "x", now_);
    store_.add(msg("reminders", "r1"), "websocket", "y", now_);
    store_.add(msg("task-events", "e2"), "audit", "z", now_);
    EXPECT_TRUE(store_.take_requeued(10).empty());

    EXPECT_EQ(store_.requeue("task-events-dlq"), 2u);
    auto taken = store_.take_requeued(10);
    ASSERT_EQ(taken.size(), 2u);
    EXPECT_EQ(taken[0].event_id, "e1");
    EXPECT_EQ(taken[1].event_id, "e2");
    EXPECT_TRUE(taken[0].requeued);
    EXPECT_EQ(store_.take_requeued(1).size(), 1u);
    EXPECT_FALSE(store_.list("reminders")[0].requeued);

    store_.remove(taken[0].id);
    taken = store_.take_requeued(10);
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_EQ(taken[0].event_id, "e2");
    EXPECT_EQ(store_.list("task-events").size(), 1u);
    EXPECT_EQ(store_.requeue("unknown-topic"), 0u);
}

TEST_F(DeadLetterStoreTest, TopicsRemembersTopicsThatHadDeadLetters) {
    EXPECT_TRUE(store_.topics().empty());
    store_.add(msg("task-events", "e1"), "audit", "x", now_);
    store_.add(msg("reminders", "r1"), "websocket", "y", now_);
    store_.remove(store_.list("reminders")[0].id);
    EXPECT_EQ(store_.topics(), (std::vector<std::string>{"reminders-dlq", "task-events-dlq"}));
}

TEST_F(DeadLetterStoreTest, MigrationsAreIdempotent) {
    EXPECT_NO_THROW(db_->migrate(DeadLetterStore::migrations()));
    for (const auto& m : DeadLetterStore::migrations()) {
        EXPECT_NE(m.sqlite_sql.find("dead_letters"), std::string_view::npos);
        EXPECT_NE(m.postgres_sql.find("dead_letters"), std::string_view::npos);
    }
}

}  // namespace
}  // namespace todoai::pubsub
