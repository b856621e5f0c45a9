#pragma once
// Time as the domain sees it: UTC instants with millisecond precision, read through an injected clock.
#include <chrono>

namespace todoai {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

/// Source of "now". Core code never reads the system clock directly, so tests can move time by hand.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
  public:
    Timestamp now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    }
};

/// A clock that only moves when told to; for tests.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(Timestamp start) : now_(start) {}
    Timestamp now() const override { return now_; }
    void set(Timestamp t) { now_ = t; }
    void advance(std::chrono::milliseconds d) { now_ += d; }

  private:
    Timestamp now_;
};

}  // namespace todoai
