#pragma once
// One running todoai per test, on a free port with its own data dir, and one signed-up user.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/todoai_process.hpp"

namespace todoai::testing {

class TodoaiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        process_ = std::make_unique<TodoaiProcess>(dir_.path() / "data");
        process_->start();
        client_ = std::make_unique<HttpClient>(process_->port());
        std::tie(user_, token_) = sign_up(*client_, "user@example.com");
    }

    void restart() {
        client_.reset();
        ASSERT_EQ(process_->stop(), 0);
        process_->start();
        client_ = std::make_unique<HttpClient>(process_->port());
    }

    std::string tasks_path() const { return "/api/" + user_ + "/tasks"; }
    std::string task_path(const std::string& id) const { return tasks_path() + "/" + id; }

    HttpResponse call(const std::string& method,
                      const std::string& target,
                      const boost::json::value& body = nullptr,
                      Headers headers = {}) {
        return client_->authed(method, target, token_, body.is_null() ? "" : boost::json::serialize(body), headers);
    }

    boost::json::object create(const boost::json::object& body) {
        auto res = call("POST", tasks_path(), body);
        EXPECT_EQ(res.status, 201) << res.body;
        return res.json().as_object();
    }

    TempDir dir_;
    std::unique_ptr<TodoaiProcess> process_;
    std::unique_ptr<HttpClient> client_;
    std::string user_;
    std::string token_;
};

inline std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace todoai::testing
