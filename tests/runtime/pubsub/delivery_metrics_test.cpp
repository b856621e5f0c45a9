#include "runtime/pubsub/delivery_metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/pubsub/memory_bus.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::pubsub {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

Message message(std::string payload) {
    return Message{.topic = "task-events", .key = "user-1", .payload = payload, .id = payload};
}

TEST(DeliveryMetricsTest, EmptyUntilTheFirstCountThenOneLinePerGroupTopicAndOutcome) {
    DeliveryMetrics metrics;
    EXPECT_EQ(metrics.render(), "");
    metrics.count("audit-service", "task-events", Outcome::success, 3);
    metrics.count("audit-service", "task-events", Outcome::success);
    metrics.count("odd \"group\"\n", "task-events", Outcome::drop);
    const auto text = metrics.render();
    EXPECT_TRUE(has_line(text, "# TYPE todoai_events_total counter")) << text;
    EXPECT_TRUE(has_line(text, R"(todoai_events_total{group="audit-service",topic="task-events",outcome="success"} 4)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(todoai_events_total{group="odd \"group\"\n",topic="task-events",outcome="drop"} 1)"))
        << text;
}

// Through the in-process bus, whose publish() returns once every handler has answered.
TEST(DeliveryMetricsTest, ACountingBusCountsWhatEveryHandlerAnswered) {
    todoai::testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "bus.db"});
    db->migrate(DeadLetterStore::migrations());
    DeadLetterStore dead_letters(*db);
    SystemClock clock;
    auto bus = make_memory_bus(dead_letters, clock, RetryPolicy{.max_attempts = 2, .initial_backoff{}});
    DeliveryMetrics metrics;
    CountingBus counting(*bus, metrics);

    counting.subscribe("task-events", "one-by-one", [](const Message& m) {
        return m.payload == "bad" ? HandlerResult::drop("malformed") : HandlerResult::ok();
    });
    counting.subscribe_batch("task-events", "batches", [](std::span<const Message> batch) {
        for (const auto& m : batch)
            if (m.payload == "boom") throw std::runtime_error("store down");
        return std::vector<HandlerResult>(batch.size());
    });
    bus->start();
    const Message first[] = {message("a"), message("bad"), message("c")};
    bus->publish(first);
    const Message second[] = {message("boom")};
    bus->publish(second);
    bus->stop();

    const auto text = metrics.render();
    EXPECT_TRUE(has_line(text, R"(todoai_events_total{group="one-by-one",topic="task-events",outcome="success"} 3)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(todoai_events_total{group="one-by-one",topic="task-events",outcome="drop"} 1)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(todoai_events_total{group="batches",topic="task-events",outcome="success"} 3)"))
        << text;
    // "boom" threw on each of its two attempts, then was dead-lettered.
    EXPECT_TRUE(has_line(text, R"(todoai_events_total{group="batches",topic="task-events",outcome="retry"} 2)"))
        << text;
}

}  // namespace
}  // namespace todoai::pubsub
