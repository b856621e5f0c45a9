// Two writers with the same If-Match: exactly one wins, the other gets 412.
#include <latch>
#include <thread>

#include "integration/todoai_fixture.hpp"

namespace todoai::testing {
namespace {

class TaskConcurrency : public TodoaiTest {};

TEST_F(TaskConcurrency, ExactlyOneOfTwoConditionalPutsWins) {
    for (int round = 0; round < 20; ++round) {
        auto task = create({{"title", "contended " + std::to_string(round)}});
        const auto path = task_path(str(task.at("id")));
        std::latch go(2);
        int statuses[2] = {0, 0};
        std::thread writers[2];
        for (int w = 0; w < 2; ++w) {
            writers[w] = std::thread([&, w] {
                HttpClient client(process_->port());
                auto body = boost::json::serialize(boost::json::object{{"title", "writer " + std::to_string(w)}});
                go.arrive_and_wait();
                statuses[w] = client.authed("PUT", path, token_, body, {{"If-Match", "\"1\""}}).status;
            });
        }
        for (auto& t : writers) t.join();
        std::multiset<int> got{statuses[0], statuses[1]};
        EXPECT_EQ(got, (std::multiset<int>{200, 412})) << "round " << round;
        auto now = call("GET", path).json();
        EXPECT_EQ(now.at("version").as_int64(), 2);
    }
}

}  // namespace
}  // namespace todoai::testing
