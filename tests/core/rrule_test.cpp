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

// Values libical cannot read were accepted before (201) and then silently ended the series.
TEST(TaskRruleTest, RejectsValuesOutOfRangeNamingThePart) {
    const std::pair<const char*, const char*> cases[] = {
        {"FREQ=DAILY;UNTIL=garbage", "UNTIL"},
        {"FREQ=WEEKLY;BYDAY=XX", "BYDAY"},
        {"FREQ=DAILY;BYHOUR=99", "BYHOUR"},
        {"FREQ=YEARLY;BYMONTH=13", "BYMONTH"},
        {"FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"},
        {"FREQ=HOURLY;BYMINUTE=-1", "BYMINUTE"},
        {"FREQ=WEEKLY;WKST=XX", "WKST"},
        {"FREQ=DAILY;UNTIL=20301301T000000Z", "UNTIL"},
        {"FREQ=DAILY;UNTIL=20300101T250000Z", "UNTIL"},
        {"FREQ=MONTHLY;BYDAY=54MO", "BYDAY"},
        {"FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY"},
        {"FREQ=MONTHLY;BYSETPOS=0", "BYSETPOS"},
        {"FREQ=MINUTELY;BYSECOND=61", "BYSECOND"},
        {"FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO"},
        {"FREQ=DAILY;BYHOUR=1,,2", "BYHOUR"},
    };
    for (const auto& [rule, part] : cases) {
        const auto why = rrule_syntax_error(rule);
        ASSERT_NE(why, std::nullopt) << rule;
        EXPECT_NE(why->find(part), std::string::npos) << rule << ": " << *why;
    }
}

TEST(TaskRruleTest, AcceptsEveryValueFormRfc5545Allows) {
    for (const char* ok : {"FREQ=MONTHLY;BYDAY=1MO,-1FR,+2TU", "FREQ=MONTHLY;BYMONTHDAY=-1,15",
                           "FREQ=DAILY;BYHOUR=0,23;BYMINUTE=0,59;BYSECOND=0,60", "FREQ=DAILY;UNTIL=20300101",
                           "FREQ=DAILY;UNTIL=20300101T093000", "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1",
                           "FREQ=YEARLY;BYYEARDAY=-366,366;BYWEEKNO=-53,1;BYMONTH=1,12", "FREQ=WEEKLY;wkst=mo"}) {
        EXPECT_EQ(rrule_syntax_error(ok), std::nullopt) << ok << ": " << rrule_syntax_error(ok).value_or("");
    }
}

TEST(TaskRruleTest, StripsPrefix) {
    EXPECT_EQ(strip_rrule_prefix("RRULE:FREQ=DAILY"), "FREQ=DAILY");
    EXPECT_EQ(strip_rrule_prefix("rrule:FREQ=DAILY"), "FREQ=DAILY");
    EXPECT_EQ(strip_rrule_prefix("FREQ=DAILY"), "FREQ=DAILY");
}

}  // namespace
}  // namespace todoai
