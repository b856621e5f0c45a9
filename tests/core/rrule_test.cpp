#include "core/rrule.hpp"

#include <gtest/gtest.h>

namespace todoai {
namespace {

TEST(TaskRruleTest, AcceptsValidRules) {
    for (const char* ok : {"FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=12",
                           "FREQ=YEARLY;UNTIL=20300101T000000Z", "freq=weekly;interval=2", "FREQ=HOURLY;",
                           "INTERVAL=3;FREQ=MINUTELY;WKST=SU"}) {
        EXPECT_EQ(rrule_syntax_error(ok), std::nullopt) << ok;
    }
}

TEST(TaskRruleTest, RejectsInvalidRules) {
    for (const char* bad : {"", "BYDAY=MO", "FREQ=FORTNIGHTLY", "FREQ=DAILY;COUNT=3;UNTIL=20300101T000000Z",
                            "FREQ=DAILY;FOO=1", "FREQ=DAILY;;COUNT=2", "FREQ", "FREQ=", "=DAILY",
                            "FREQ=DAILY;FREQ=WEEKLY", "FREQ=DAILY;COUNT=0", "FREQ=DAILY;INTERVAL=x"}) {
        EXPECT_NE(rrule_syntax_error(bad), std::nullopt) << bad;
    }
}

TEST(TaskRruleTest, StripsPrefix) {
    EXPECT_EQ(strip_rrule_prefix("RRULE:FREQ=DAILY"), "FREQ=DAILY");
    EXPECT_EQ(strip_rrule_prefix("rrule:FREQ=DAILY"), "FREQ=DAILY");
    EXPECT_EQ(strip_rrule_prefix("FREQ=DAILY"), "FREQ=DAILY");
}

}  // namespace
}  // namespace todoai
