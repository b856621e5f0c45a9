#include "services/todo/task_query.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "core/time.hpp"

namespace todoai::todo {
namespace {

using Params = std::initializer_list<std::pair<std::string, std::string>>;

http::Request request(Params query) {
    http::Request req;
    req.method = http::Method::get;
    req.path = "/api/u1/tasks";
    req.query.assign(query.begin(), query.end());
    return req;
}

TaskQuery ok(Params query) {
    auto result = parse_task_query(request(query));
    if (auto* errors = std::get_if<FieldErrors>(&result)) {
        std::string text;
        for (const auto& e : *errors) text += e.field + ": " + e.message + "; ";
        ADD_FAILURE() << "unexpected errors: " << text;
        return {};
    }
    return std::get<TaskQuery>(result);
}

// The fields named in the errors, in order; empty when the query parsed.
std::vector<std::string> error_fields(Params query) {
    auto result = parse_task_query(request(query));
    std::vector<std::string> fields;
    if (auto* errors = std::get_if<FieldErrors>(&result))
        for (const auto& e : *errors) {
            EXPECT_FALSE(e.message.empty()) << e.field;
            fields.push_back(e.field);
        }
    return fields;
}

using Fields = std::vector<std::string>;

TEST(TaskQuery, DefaultsWithoutParameters) {
    const auto q = ok({});
    EXPECT_FALSE(q.status);
    EXPECT_FALSE(q.priority);
    EXPECT_FALSE(q.tag);
    EXPECT_FALSE(q.search);
    EXPECT_FALSE(q.due_from);
    EXPECT_FALSE(q.due_to);
    EXPECT_EQ(q.sort, SortKey::created_at);
    EXPECT_EQ(q.order, SortOrder::desc);
    EXPECT_EQ(q.limit, 50);
    EXPECT_FALSE(q.after);
}

TEST(TaskQuery, UnknownParametersAreIgnored) {
    const auto q = ok({{"_", "1712345678"}, {"foo", "bar"}});
    EXPECT_EQ(q.limit, 50);
}

TEST(TaskQuery, Filters) {
    const auto q = ok({{"status", "in_progress"},
                       {"priority", "high"},
                       {"tag", "Work"},
                       {"q", "MiXed Case"},
                       {"due_from", "2026-02-08T10:00:00Z"},
                       {"due_to", "2026-02-09T12:00:00+02:00"}});
    EXPECT_EQ(q.status, TaskStatus::in_progress);
    EXPECT_EQ(q.priority, Priority::high);
    EXPECT_EQ(q.tag, "Work");  // tags match exactly
    EXPECT_EQ(q.search, "mixed case");
    ASSERT_TRUE(q.due_from);
    EXPECT_EQ(format_rfc3339(*q.due_from), "2026-02-08T10:00:00.000Z");
    ASSERT_TRUE(q.due_to);
    EXPECT_EQ(format_rfc3339(*q.due_to), "2026-02-09T10:00:00.000Z");
}

// The front ends' words: status completed/done/open, category, sort_by in camelCase.
TEST(TaskQuery, FrontEndWords) {
    EXPECT_EQ(ok({{"status", "completed"}}).status, TaskStatus::complete);
    EXPECT_EQ(ok({{"status", "done"}}).status, TaskStatus::complete);
    EXPECT_EQ(ok({{"status", "open"}}).status, TaskStatus::pending);
    EXPECT_EQ(ok({{"category", "home"}}).category, "home");
    EXPECT_FALSE(ok({{"category", ""}}).category);
    EXPECT_EQ(ok({{"sort_by", "dueDate"}}).sort, SortKey::due_date);
    EXPECT_EQ(ok({{"sortBy", "createdAt"}, {"sort_by", "createdAt"}}).sort, SortKey::created_at);
}

TEST(TaskQuery, StatusAllAndEmptyValuesMeanNoFilter) {
    EXPECT_FALSE(ok({{"status", "all"}}).status);
    EXPECT_FALSE(ok({{"status", ""}}).status);
    EXPECT_FALSE(ok({{"priority", ""}}).priority);
    EXPECT_FALSE(ok({{"tag", ""}}).tag);
    EXPECT_FALSE(ok({{"q", ""}}).search);
    EXPECT_FALSE(ok({{"due_from", ""}, {"due_to", ""}}).due_from);
    for (auto s : {"pending", "in_progress", "complete"}) EXPECT_TRUE(ok({{"status", s}}).status) << s;
}

TEST(TaskQuery, SortAndOrder) {
    const auto q = ok({{"sort", "due_date"}, {"order", "asc"}});
    EXPECT_EQ(q.sort, SortKey::due_date);
    EXPECT_EQ(q.order, SortOrder::asc);
    EXPECT_EQ(ok({{"sort", "priority"}}).sort, SortKey::priority);
    EXPECT_EQ(ok({{"sort", "title"}}).sort, SortKey::title);
    EXPECT_EQ(ok({{"sort", "created_at"}, {"order", "desc"}}).order, SortOrder::desc);
}

TEST(TaskQuery, FrontEndAliases) {
    const auto q = ok({{"sort_by", "title"}, {"sort_order", "asc"}, {"search", "ABC"}});
    EXPECT_EQ(q.sort, SortKey::title);
    EXPECT_EQ(q.order, SortOrder::asc);
    EXPECT_EQ(q.search, "abc");
}

TEST(TaskQuery, CanonicalNameWinsOverAlias) {
    const auto q = ok({{"sort_by", "title"},
                       {"sort", "priority"},
                       {"sort_order", "asc"},
                       {"order", "desc"},
                       {"search", "alias"},
                       {"q", "canonical"}});
    EXPECT_EQ(q.sort, SortKey::priority);
    EXPECT_EQ(q.order, SortOrder::desc);
    EXPECT_EQ(q.search, "canonical");
}

TEST(TaskQuery, LimitBounds) {
    EXPECT_EQ(ok({{"limit", "1"}}).limit, 1);
    EXPECT_EQ(ok({{"limit", "200"}}).limit, 200);
    EXPECT_EQ(ok({{"limit", "37"}}).limit, 37);
    for (auto bad : {"0", "201", "-1", "", "abc", "10x", " 10", "1.5", "99999999999999999999"})
        EXPECT_EQ(error_fields({{"limit", bad}}), Fields{"limit"}) << "limit=" << bad;
}

TEST(TaskQuery, EachBadValueNamesItsParameter) {
    EXPECT_EQ(error_fields({{"status", "finished"}}), Fields{"status"});
    EXPECT_EQ(error_fields({{"status", "Pending"}}), Fields{"status"});
    EXPECT_EQ(error_fields({{"priority", "urgent"}}), Fields{"priority"});
    EXPECT_EQ(error_fields({{"due_from", "yesterday"}}), Fields{"due_from"});
    EXPECT_EQ(error_fields({{"due_to", "2026-02-08T10:00:00"}}), Fields{"due_to"});  // no time zone
    EXPECT_EQ(error_fields({{"sort", "name"}}), Fields{"sort"});
    EXPECT_EQ(error_fields({{"sort", ""}}), Fields{"sort"});
    EXPECT_EQ(error_fields({{"sort_by", "name"}}), Fields{"sort"});
    EXPECT_EQ(error_fields({{"order", "up"}}), Fields{"order"});
    EXPECT_EQ(error_fields({{"sort_order", "DESC"}}), Fields{"order"});
    EXPECT_EQ(error_fields({{"cursor", "not a cursor!"}}), Fields{"cursor"});
}

TEST(TaskQuery, AllBadValuesAreReportedTogether) {
    const auto fields = error_fields({{"status", "x"},
                                      {"priority", "x"},
                                      {"due_from", "x"},
                                      {"due_to", "x"},
                                      {"sort", "x"},
                                      {"order", "x"},
                                      {"limit", "x"}});
    EXPECT_EQ(fields, (Fields{"status", "priority", "due_from", "due_to", "sort", "order", "limit"}));
}

TEST(TaskQuery, CursorRoundTripWithStringKey) {
    auto q = ok({{"sort", "title"}, {"order", "asc"}});
    const auto text = encode_cursor(q, Cursor{.key = std::string("buy milk"), .id = "0190-abc"});
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << text;  // URL-safe without escaping
    const auto next = ok({{"sort", "title"}, {"order", "asc"}, {"cursor", text}});
    ASSERT_TRUE(next.after);
    EXPECT_EQ(std::get<std::string>(next.after->key), "buy milk");
    EXPECT_EQ(next.after->id, "0190-abc");
}

TEST(TaskQuery, CursorRoundTripWithDefaultSort) {
    const auto text = encode_cursor(ok({}), Cursor{.key = std::string("2026-02-08T10:00:00.000Z"), .id = "id-1"});
    const auto next = ok({{"cursor", text}});
    ASSERT_TRUE(next.after);
    EXPECT_EQ(std::get<std::string>(next.after->key), "2026-02-08T10:00:00.000Z");
    EXPECT_EQ(next.after->id, "id-1");
}

TEST(TaskQuery, CursorRoundTripWithPriorityKeyAndAliases) {
    const auto text =
        encode_cursor(ok({{"sort", "priority"}, {"order", "asc"}}), Cursor{.key = std::int64_t{2}, .id = "x"});
    const auto next = ok({{"sort_by", "priority"}, {"sort_order", "asc"}, {"cursor", text}});
    ASSERT_TRUE(next.after);
    EXPECT_EQ(std::get<std::int64_t>(next.after->key), 2);
    EXPECT_EQ(next.after->id, "x");
}

TEST(TaskQuery, CursorFromAnotherSortOrOrderIsRefused) {
    const auto by_title = encode_cursor(ok({{"sort", "title"}}), Cursor{.key = std::string("a"), .id = "1"});
    EXPECT_EQ(error_fields({{"cursor", by_title}}), Fields{"cursor"});                        // default sort
    EXPECT_EQ(error_fields({{"sort", "due_date"}, {"cursor", by_title}}), Fields{"cursor"});  // another key
    EXPECT_EQ(error_fields({{"sort", "title"}, {"order", "asc"}, {"cursor", by_title}}), Fields{"cursor"});
    EXPECT_TRUE(error_fields({{"sort", "title"}, {"cursor", by_title}}).empty());  // its own sort and order
}

TEST(TaskQuery, CursorWithAKeyOfTheWrongTypeIsRefused) {
    // A priority sort needs an integer key; a string one cannot have come from us.
    auto priority = ok({{"sort", "priority"}});
    const auto text = encode_cursor(priority, Cursor{.key = std::string("high"), .id = "1"});
    EXPECT_EQ(error_fields({{"sort", "priority"}, {"cursor", text}}), Fields{"cursor"});
}

TEST(TaskQuery, CursorIsNotCheckedWhenOtherParametersAreBad) {
    EXPECT_EQ(error_fields({{"limit", "0"}, {"cursor", "garbage"}}), Fields{"limit"});
}

TEST(TaskQuery, EmptyCursorMeansFirstPage) { EXPECT_FALSE(ok({{"cursor", ""}}).after); }

}  // namespace
}  // namespace todoai::todo
