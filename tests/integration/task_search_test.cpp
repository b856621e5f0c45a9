// Search (q=) matches inside the title or inside the description, never across the two, and refuses what no stored
// text can contain (SQLite's LIKE stops at a NUL: "q=%00" matched every task on main before issue 11's fix).
#include "integration/todoai_fixture.hpp"

namespace todoai::testing {
namespace {

class TaskSearch : public TodoaiTest {};

TEST_F(TaskSearch, MatchesWithinTitleOrDescriptionNotAcross) {
    create({{"title", "buy plain"}, {"description", "flour and sugar"}});
    create({{"title", "walk"}, {"description", "the plain dog"}});
    auto res = call("GET", tasks_path() + "?q=plain%0Aflour");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.body.find("buy plain"), std::string::npos) << res.body;

    res = call("GET", tasks_path() + "?q=plain");
    ASSERT_EQ(res.status, 200);
    EXPECT_NE(res.body.find("buy plain"), std::string::npos);
    EXPECT_NE(res.body.find("walk"), std::string::npos);

    res = call("GET", tasks_path() + "?q=FLOUR%20and");
    ASSERT_EQ(res.status, 200);
    EXPECT_NE(res.body.find("buy plain"), std::string::npos);
    EXPECT_EQ(res.body.find("walk"), std::string::npos);
}

TEST_F(TaskSearch, NulAndOverlongQueriesAre422NamingQ) {
    create({{"title", "anything"}});
    for (const std::string& q : {std::string("%00"), std::string("a%00b"), std::string(256, 'x')}) {
        const auto res = call("GET", tasks_path() + "?q=" + q);
        EXPECT_EQ(res.status, 422) << q << ": " << res.body;
        EXPECT_NE(res.body.find("\"q\""), std::string::npos) << res.body;
        EXPECT_EQ(res.body.find("anything"), std::string::npos) << res.body;
    }
}

}  // namespace
}  // namespace todoai::testing
