#include "core/time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace todoai {
namespace {

using namespace std::chrono;

Timestamp utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    return Timestamp{sys_days{year{y} / mo / d}.time_since_epoch()} + hours{h} + minutes{mi} + seconds{s} +
           milliseconds{ms};
}

TEST(TimeRfc3339Test, ParsesUtcWithAndWithoutFraction) {
    EXPECT_EQ(parse_rfc3339("2026-02-08T10:00:00Z"), utc(2026, 2, 8, 10));
    EXPECT_EQ(parse_rfc3339("2026-02-08T10:00:00.123Z"), utc(2026, 2, 8, 10, 0, 0, 123));
    EXPECT_EQ(parse_rfc3339("2026-02-08t10:00:00z"), utc(2026, 2, 8, 10));
}

TEST(TimeRfc3339Test, FractionsArePaddedOrTruncatedToMilliseconds) {
    EXPECT_EQ(parse_rfc3339("2026-02-08T10:00:00.5Z"), utc(2026, 2, 8, 10, 0, 0, 500));
    EXPECT_EQ(parse_rfc3339("2026-02-08T10:00:00.05Z"), utc(2026, 2, 8, 10, 0, 0, 50));
    EXPECT_EQ(parse_rfc3339("2026-02-08T10:00:00.123999999Z"), utc(2026, 2, 8, 10, 0, 0, 123));
}

TEST(TimeRfc3339Test, AppliesOffsets) {
    EXPECT_EQ(parse_rfc3339("2026-02-08T12:00:00.5+02:00"), utc(2026, 2, 8, 10, 0, 0, 500));
    EXPECT_EQ(parse_rfc3339("2026-02-08T05:30:00-04:30"), utc(2026, 2, 8, 10));
    EXPECT_EQ(parse_rfc3339("2026-01-01T00:30:00+01:00"), utc(2025, 12, 31, 23, 30));
    EXPECT_EQ(parse_rfc3339("2026-02-08T10:00:00+00:00"), utc(2026, 2, 8, 10));
}

TEST(TimeRfc3339Test, LeapYears) {
    EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), utc(2024, 2, 29));
    EXPECT_EQ(parse_rfc3339("2000-02-29T00:00:00Z"), utc(2000, 2, 29));
    EXPECT_EQ(parse_rfc3339("2023-02-29T00:00:00Z"), std::nullopt);
    EXPECT_EQ(parse_rfc3339("1900-02-29T00:00:00Z"), std::nullopt);
}

TEST(TimeRfc3339Test, RejectsMalformedOrImpossible) {
    for (const char* bad : {
             "",
             "2026-02-08",
             "2026-02-08T10:00Z",          // seconds required
             "2026-02-08T10:00:00",        // zone required
             "2026-02-08 10:00:00Z",       // space separator
             "2026-02-30T10:00:00Z",       // Feb 30
             "2026-04-31T10:00:00Z",       // Apr 31
             "2026-13-01T10:00:00Z",       // month 13
             "2026-00-01T10:00:00Z",       // month 0
             "2026-01-00T10:00:00Z",       // day 0
             "2026-02-08T24:00:00Z",       // hour 24
             "2026-02-08T10:60:00Z",       // minute 60
             "2026-02-08T10:00:60Z",       // leap second: rejected
             "2026-02-08T10:00:00.Z",      // empty fraction
             "2026-02-08T10:00:00+0200",   // offset without colon
             "2026-02-08T10:00:00+24:00",  // offset hour
             "2026-02-08T10:00:00+02:60",  // offset minute
             "2026-02-08T10:00:00+02",     // short offset
             "2026-02-08T10:00:00Zjunk",   // trailing text
             "0000-01-01T00:00:00Z",       // year 0
             "26-02-08T10:00:00Z",         // two-digit year
             "2026-2-08T10:00:00Z",        // one-digit month
             "+2026-02-08T10:00:00Z",      // sign
             "2026-02-08T1a:00:00Z",       // letter
             "9999-12-31T23:00:00-02:00",  // past year 9999 in UTC
         }) {
        EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
    }
}

TEST(TimeRfc3339Test, FormatsWithMillisecondsInUtc) {
    EXPECT_EQ(format_rfc3339(utc(2026, 2, 8, 10)), "2026-02-08T10:00:00.000Z");
    EXPECT_EQ(format_rfc3339(utc(2026, 12, 31, 23, 59, 59, 7)), "2026-12-31T23:59:59.007Z");
    EXPECT_EQ(format_rfc3339(utc(1, 1, 1)), "0001-01-01T00:00:00.000Z");
    EXPECT_EQ(format_rfc3339(Timestamp{}), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_rfc3339(utc(1969, 12, 31, 23, 59, 59, 999)), "1969-12-31T23:59:59.999Z");
}

TEST(TimeRfc3339Test, FormatClampsOutOfRangeYears) {
    EXPECT_EQ(format_rfc3339(utc(12000, 1, 1)), "9999-12-31T23:59:59.999Z");
    EXPECT_EQ(format_rfc3339(utc(-5, 1, 1)), "0000-01-01T00:00:00.000Z");
}

TEST(TimeRfc3339Test, RoundTrips) {
    for (Timestamp t : {utc(2026, 2, 8, 10, 0, 0, 1), utc(2024, 2, 29, 23, 59, 59, 999),
                        utc(9999, 12, 31, 23, 59, 59, 999), utc(1, 1, 1)}) {
        EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t) << format_rfc3339(t);
    }
}

TEST(TimeDurationTest, ParsesDaysAndTimeParts) {
    EXPECT_EQ(parse_iso8601_duration("PT15M"), minutes{15});
    EXPECT_EQ(parse_iso8601_duration("P1D"), days{1});
    EXPECT_EQ(parse_iso8601_duration("P1DT2H30M"), days{1} + hours{2} + minutes{30});
    EXPECT_EQ(parse_iso8601_duration("PT90S"), seconds{90});
    EXPECT_EQ(parse_iso8601_duration("PT1.5S"), milliseconds{1500});
    EXPECT_EQ(parse_iso8601_duration("PT0.0019S"), milliseconds{1});
    EXPECT_EQ(parse_iso8601_duration("PT0S"), milliseconds{0});
    EXPECT_EQ(parse_iso8601_duration("PT36H"), hours{36});
    EXPECT_EQ(parse_iso8601_duration("P366D"), days{366});
}

TEST(TimeDurationTest, RejectsBadForms) {
    for (const char* bad : {"",      "P",     "PT",      "P1DT",    "-PT15M",  "PT-15M",       "P1Y",     "P1M", "P1W",
                            "PT15",  "15M",   "pt15m",   "PT15M30", "PT1.5M",  "PT1H1H",       "PT30M1H", "P1H", "PTD",
                            "PT.5S", "PT1.S", "P1DT2H ", "P367D",   "PT8785H", "P9999999999D", "PT1,5S"}) {
        EXPECT_EQ(parse_iso8601_duration(bad), std::nullopt) << bad;
    }
}

// Found by tests/fuzz/core/task_json_fuzz (a reminder's before_due): 20 and more digits overflowed the accumulator
// (undefined behaviour) before the length check could refuse them.
TEST(TimeDurationTest, RejectsNumbersTooLongToAccumulate) {
    EXPECT_EQ(parse_iso8601_duration("P" + std::string(85, '3') + "0T155M"), std::nullopt);
    EXPECT_EQ(parse_iso8601_duration("PT" + std::string(40, '9') + "S"), std::nullopt);
    EXPECT_EQ(parse_iso8601_duration("PT000000001S"), seconds{1});  // nine digits are still fine
}

TEST(TimeDurationTest, FormatRoundTrips) {
    EXPECT_EQ(format_iso8601_duration(minutes{15}), "PT15M");
    EXPECT_EQ(format_iso8601_duration(days{1}), "P1D");
    EXPECT_EQ(format_iso8601_duration(days{1} + hours{2} + minutes{30}), "P1DT2H30M");
    EXPECT_EQ(format_iso8601_duration(milliseconds{1500}), "PT1.5S");
    EXPECT_EQ(format_iso8601_duration(milliseconds{0}), "PT0S");
    EXPECT_EQ(format_iso8601_duration(milliseconds{-5}), "PT0S");
    for (milliseconds d :
         {milliseconds{1}, milliseconds{61'001}, milliseconds{90'061'010}, milliseconds{kMaxDuration}}) {
        EXPECT_EQ(parse_iso8601_duration(format_iso8601_duration(d)), d) << format_iso8601_duration(d);
    }
}

}  // namespace
}  // namespace todoai
