// Data survives a restart of the process, and so do tokens (the generated secret or the given one).
#include "integration/todoai_fixture.hpp"

namespace todoai::testing {
namespace {

class Restart : public TodoaiTest {};

TEST_F(Restart, TasksUsersAndTokensSurvive) {
    std::vector<std::string> ids;
    for (int i = 0; i < 25; ++i) ids.push_back(str(create({{"title", "persist " + std::to_string(i)}}).at("id")));
    auto before = call("GET", tasks_path() + "?limit=200").body;
    restart();
    auto after = call("GET", tasks_path() + "?limit=200");
    ASSERT_EQ(after.status, 200);
    EXPECT_EQ(after.body, before);
    auto sign_in = client_->request("POST", "/api/auth/sign-in",
                                    R"({"email":"user@example.com","password":"correct horse battery"})");
    EXPECT_EQ(sign_in.status, 200);
}

TEST_F(Restart, SigtermDrainsAndExitsZero) {
    create({{"title", "x"}});
    client_.reset();
    EXPECT_EQ(process_->stop(), 0);
}

}  // namespace
}  // namespace todoai::testing
