// The audit list's cursor: base64url of the seq, only canonical spellings accepted.
#include "services/audit/audit_query.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace todoai::audit {
namespace {

TEST(AuditCursor, RoundTripsAndIsUrlSafe) {
    for (std::int64_t seq : {std::int64_t{1}, std::int64_t{9}, std::int64_t{10}, std::int64_t{62}, std::int64_t{63},
                             std::int64_t{999}, std::int64_t{123456789}, std::numeric_limits<std::int64_t>::max()}) {
        auto text = encode_cursor(seq);
        EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos)
            << text;
        EXPECT_EQ(decode_cursor(text), seq) << text;
    }
    EXPECT_EQ(encode_cursor(120), "MTIw");  // base64url("120")
}

TEST(AuditCursor, RejectsGarbage) {
    for (std::string_view bad :
         {"", "=", "MTIw=", "MTIw==", "M",  // padding, a lone character
          "MT+w", "MT/w", "MT w", "!!!!", "bm9wZQ", "MA", "LTE", "MDA3", "KzE", "OTIyMzM3MjAzNjg1NDc3NTgwOA"}) {
        EXPECT_FALSE(decode_cursor(bad)) << bad;
    }
    EXPECT_FALSE(decode_cursor("MTJ"));  // "12" spelled with non-zero padding bits ("MTI" is canonical)
    EXPECT_EQ(decode_cursor("MTI"), 12);
}

http::Request with_query(std::vector<std::pair<std::string, std::string>> query) {
    http::Request req;
    req.query = std::move(query);
    return req;
}

TEST(AuditQueryParse, DefaultsAndNormalization) {
    auto q = std::get<AuditQuery>(parse_audit_query(with_query({})));
    EXPECT_EQ(q.limit, 50);
    EXPECT_FALSE(q.task_id || q.event_type || q.from || q.to || q.before_seq);

    q = std::get<AuditQuery>(parse_audit_query(with_query({{"task_id", "t"},
                                                           {"event_type", "task-completed"},
                                                           {"from", "2026-02-08T12:00:00+02:00"},
                                                           {"to", "2026-02-08t10:30:00.5z"},
                                                           {"limit", "200"},
                                                           {"cursor", encode_cursor(77)}})));
    EXPECT_EQ(q.task_id, "t");
    EXPECT_EQ(q.event_type, "com.todoai.task.completed");
    EXPECT_EQ(q.from, "2026-02-08T10:00:00.000Z");
    EXPECT_EQ(q.to, "2026-02-08T10:30:00.500Z");
    EXPECT_EQ(q.limit, 200);
    EXPECT_EQ(q.before_seq, 77);
}

TEST(AuditQueryParse, FirstOfRepeatedParametersWins) {
    auto q = std::get<AuditQuery>(parse_audit_query(with_query({{"limit", "3"}, {"limit", "999"}})));
    EXPECT_EQ(q.limit, 3);
}

}  // namespace
}  // namespace todoai::audit
