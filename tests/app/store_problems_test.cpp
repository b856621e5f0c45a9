// A store failure that escapes a handler: busy or unreachable -> 503 to retry; a statement stopped at its time limit ->
// 503 whose detail names the limit and what narrows the query; anything else is not the mapper's (-> 500).
#include "app/store_problems.hpp"

#include <gtest/gtest.h>

#include "runtime/store/database.hpp"

namespace todoai::app {
namespace {

using namespace std::chrono_literals;

std::string header(const http::Problem& p, std::string_view name) {
    for (const auto& [k, v] : p.headers)
        if (k == name) return v;
    return {};
}

TEST(StoreProblems, AStatementPastItsLimitIs503NamingTheLimit) {
    const auto problem = store_problem(store::StatementTimeout("sqlite: interrupted in: SELECT doc", 5000ms));
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->status, 503);
    EXPECT_NE(problem->detail.find("time limit of 5000 ms"), std::string::npos) << problem->detail;
    EXPECT_NE(problem->detail.find("narrow"), std::string::npos) << problem->detail;
    EXPECT_EQ(problem->detail.find("SELECT"), std::string::npos) << "no SQL in a client's answer";
    EXPECT_EQ(header(*problem, "Retry-After"), "1");
}

TEST(StoreProblems, AnUnavailableStoreIs503) {
    const auto problem = store_problem(store::StoreError(store::StoreError::Kind::unavailable, "busy"));
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->status, 503);
    EXPECT_EQ(problem->detail, "the store is unavailable; retry shortly");
}

TEST(StoreProblems, OtherFailuresAreNotMapped) {
    EXPECT_FALSE(store_problem(store::StoreError(store::StoreError::Kind::other, "corrupt")));
    EXPECT_FALSE(store_problem(store::StoreError(store::StoreError::Kind::constraint, "unique")));
    EXPECT_FALSE(store_problem(std::runtime_error("bug")));
}

}  // namespace
}  // namespace todoai::app
