// The all-in-one binary in both topic layouts: with TODOAI_TOPIC_LAYOUT=per-type every consumer still gets every
// event it needs (audit, the live feed, notification's reminders, recurring's next instance), as with the default.
#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/cloud_event.hpp"
#include "core/time.hpp"
#include "integration/event_support.hpp"
#include "integration/todoai_fixture.hpp"
#include "runtime/http/websocket_test_client.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr auto kDeadline = 15s;

// The layout comes from the environment, as an operator would set it; an empty value leaves the default.
class TopicLayoutFlow : public TodoaiTest, public ::testing::WithParamInterface<std::string> {
  protected:
    void SetUp() override {
        if (!GetParam().empty()) ::setenv("TODOAI_TOPIC_LAYOUT", GetParam().c_str(), 1);
        process_ = std::make_unique<TodoaiProcess>(
            dir_.path() / "data", std::vector<std::string>{"serve", "all", "--reminder-check-interval", "1"});
        process_->start();
        ::unsetenv("TODOAI_TOPIC_LAYOUT");
        client_ = std::make_unique<HttpClient>(process_->port());
        std::tie(user_, token_) = sign_up(*client_, "user@example.com");
    }

    std::multiset<std::string> audit_types() {
        std::multiset<std::string> out;
        for (const auto& item : fetch_all(*client_, token_, "/api/" + user_ + "/audit"))
            out.insert(str(item.at("event_type")));
        return out;
    }
};

TEST_P(TopicLayoutFlow, EveryConsumerGetsEveryEventType) {
    WsClient feed(process_->port());
    ASSERT_FALSE(feed.handshake("/ws?token=" + token_));

    // A daily task with a reminder 300 ms away: created, reminder scheduled, reminder fired.
    const auto remind_at = now_ms() + 300ms;
    auto task = create({{"title", "water the plants"},
                        {"due_date", format_rfc3339(now_ms() + 1h)},
                        {"is_recurring", true},
                        {"recurrence_schedule", "daily"},
                        {"reminders", array{object{{"at", format_rfc3339(remind_at)}}}}});
    const auto id = str(task.at("id"));
    ASSERT_TRUE(poll_until(kDeadline, [&] {
        return !fetch_all(*client_, token_, "/api/" + user_ + "/notifications").empty();
    })) << "the reminder never fired";

    // Completing it: task.completed, and recurring asks todo for the next instance (a second task.created).
    ASSERT_EQ(call("PATCH", task_path(id) + "/complete").status, 200);
    ASSERT_TRUE(poll_until(kDeadline, [&] { return fetch_all(*client_, token_, tasks_path()).size() == 2; }))
        << "no next instance";
    ASSERT_EQ(call("DELETE", task_path(id)).status, 204);

    const std::multiset<std::string> expected{
        std::string(event_type::kTaskCreated),       std::string(event_type::kTaskCreated),
        std::string(event_type::kReminderScheduled), std::string(event_type::kReminderFired),
        std::string(event_type::kTaskCompleted),     std::string(event_type::kTaskDeleted)};
    // Everything expected reached the trail (the next instance's reminder may add one more reminder.scheduled).
    std::multiset<std::string> audited;
    const bool complete = poll_until(kDeadline, [&] {
        audited = audit_types();
        return std::all_of(expected.begin(), expected.end(),
                           [&](const auto& type) { return audited.count(type) >= expected.count(type); });
    });
    EXPECT_TRUE(complete);
    EXPECT_GE(audited.count(std::string(event_type::kReminderScheduled)), 1u);
    audited.erase(std::string(event_type::kReminderScheduled));
    auto want = expected;
    want.erase(std::string(event_type::kReminderScheduled));
    EXPECT_EQ(audited, want);  // and nothing twice

    // The live feed saw each of these types too (arrival order across per-type topics is not promised).
    std::set<std::string> seen;
    const std::set<std::string> types(expected.begin(), expected.end());
    while (seen != types) {
        auto r = feed.read(kDeadline);
        ASSERT_FALSE(r.ec) << "feed: " << r.ec.message() << "; seen " << seen.size() << " of " << types.size();
        seen.insert(str(boost::json::parse(r.text).at("type")));
    }
}

INSTANTIATE_TEST_SUITE_P(Layouts, TopicLayoutFlow, ::testing::Values("", "single", "per-type"), [](const auto& info) {
    return info.param.empty()       ? std::string("default")
           : info.param == "single" ? std::string("single")
                                    : std::string("per_type");
});

}  // namespace
}  // namespace todoai::testing
