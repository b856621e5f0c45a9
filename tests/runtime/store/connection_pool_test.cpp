#include "runtime/store/connection_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

namespace todoai::store {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The pool's logic does not depend on what a connection is: this one only counts how many are open.
struct FakeConnection {
    explicit FakeConnection(int& open_count) : open_count(open_count) { ++open_count; }
    ~FakeConnection() { --open_count; }
    FakeConnection(const FakeConnection&) = delete;
    FakeConnection& operator=(const FakeConnection&) = delete;

    int& open_count;
};

using Pool = ConnectionPool<FakeConnection>;

// Far enough that a correct pool never reaches it, even on a loaded machine.
Clock::time_point far_deadline() { return Clock::now() + 10s; }

// Polls a state the pool exposes (no sleep); false when it is not reached by the deadline.
bool eventually(const std::function<bool()>& condition) {
    const auto deadline = far_deadline();
    while (!condition()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

class ConnectionPoolTest : public ::testing::Test {
  protected:
    // An `open` for acquire() that counts its calls.
    std::unique_ptr<FakeConnection> open() {
        ++opened_;
        return std::make_unique<FakeConnection>(open_now_);
    }
    auto opener() {
        return [this] { return open(); };
    }
    // acquire() where a connection is due: a working pool hands one out long before the deadline.
    Pool::Taken take(Pool& pool) {
        auto taken = pool.acquire(far_deadline(), opener());
        if (!taken) ADD_FAILURE() << "acquire() gave up at the deadline";
        return taken.value_or(Pool::Taken{nullptr, false});
    }

    int opened_ = 0;    // calls to open()
    int open_now_ = 0;  // connections not yet closed
};

TEST_F(ConnectionPoolTest, ReusesAnIdleConnection) {
    Pool pool(2);
    pool.add_idle(open());

    const auto first = take(pool);
    EXPECT_FALSE(first.fresh);
    pool.release(first.conn, true);

    const auto second = take(pool);
    EXPECT_EQ(second.conn, first.conn);
    EXPECT_FALSE(second.fresh);
    EXPECT_EQ(opened_, 1);
}

TEST_F(ConnectionPoolTest, OpensUpToTheMaximumThenGivesUpAtTheDeadline) {
    Pool pool(2);
    const auto a = take(pool);
    const auto b = take(pool);
    EXPECT_TRUE(a.fresh);
    EXPECT_TRUE(b.fresh);
    EXPECT_NE(a.conn, b.conn);
    EXPECT_EQ(pool.size(), 2u);

    EXPECT_FALSE(pool.acquire(Clock::now(), opener()));
    EXPECT_EQ(opened_, 2);
}

TEST_F(ConnectionPoolTest, TimesOutWhenNoConnectionComesBack) {
    Pool pool(1);
    take(pool);

    const auto deadline = Clock::now() + 20ms;
    EXPECT_FALSE(pool.acquire(deadline, opener()));
    EXPECT_GE(Clock::now(), deadline);
    EXPECT_EQ(pool.waiting(), 0u);
    EXPECT_EQ(opened_, 1);
}

TEST_F(ConnectionPoolTest, AWaiterGetsTheReleasedConnection) {
    Pool pool(1);
    const auto held = take(pool);

    Pool::Taken got{};
    std::thread waiter([&] { got = take(pool); });
    EXPECT_TRUE(eventually([&] { return pool.waiting() == 1; }));  // go on regardless: the thread must end
    pool.release(held.conn, true);
    waiter.join();

    EXPECT_EQ(got.conn, held.conn);
    EXPECT_FALSE(got.fresh);
    EXPECT_EQ(opened_, 1);
}

TEST_F(ConnectionPoolTest, DropsAnUnhealthyConnectionAndOpensANewOne) {
    Pool pool(1);
    pool.release(take(pool).conn, false);
    EXPECT_EQ(pool.size(), 0u);
    EXPECT_EQ(open_now_, 0);  // closed, not kept

    EXPECT_TRUE(take(pool).fresh);
    EXPECT_EQ(opened_, 2);
    EXPECT_EQ(open_now_, 1);
}

TEST_F(ConnectionPoolTest, AFailedOpenLeavesRoomForTheNextCaller) {
    Pool pool(1);
    auto failing = []() -> std::unique_ptr<FakeConnection> { throw std::runtime_error("server unreachable"); };
    EXPECT_THROW((void)pool.acquire(far_deadline(), failing), std::runtime_error);
    EXPECT_EQ(pool.size(), 0u);

    auto next = pool.acquire(Clock::now(), opener());  // no waiting: the slot is free at once
    ASSERT_TRUE(next);
    EXPECT_TRUE(next->fresh);
}

// The waiter saw no room while the open was in flight; without a wake-up on the failure it would sit until its
// deadline.
TEST_F(ConnectionPoolTest, AFailedOpenWakesAWaiter) {
    Pool pool(1);
    std::latch opening(1);
    std::latch fail_now(1);
    std::thread opener_thread([&] {
        auto failing = [&]() -> std::unique_ptr<FakeConnection> {
            opening.count_down();
            fail_now.wait();
            throw std::runtime_error("server unreachable");
        };
        EXPECT_THROW((void)pool.acquire(far_deadline(), failing), std::runtime_error);
    });
    opening.wait();

    const auto deadline = far_deadline();
    std::optional<Pool::Taken> got;
    std::thread waiter([&] { got = pool.acquire(deadline, opener()); });
    EXPECT_TRUE(eventually([&] { return pool.waiting() == 1; }));  // go on regardless: the threads must end
    fail_now.count_down();
    opener_thread.join();
    waiter.join();

    ASSERT_TRUE(got);
    EXPECT_TRUE(got->fresh);
    EXPECT_LT(Clock::now(), deadline);
}

}  // namespace
}  // namespace todoai::store
