#include "runtime/log/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace todoai::log {
namespace {

using namespace std::chrono_literals;

// Redirects file descriptor 2 into a temporary file while alive.
class StderrCapture {
  public:
    StderrCapture() {
        std::fflush(stderr);
        saved_ = ::dup(2);
        file_ = std::tmpfile();
        ::dup2(::fileno(file_), 2);
    }
    ~StderrCapture() {
        restore();
        std::fclose(file_);
    }
    std::vector<std::string> lines() {
        restore();
        std::rewind(file_);
        std::vector<std::string> out;
        std::string line;
        char buf[4096];
        while (std::fgets(buf, sizeof buf, file_)) {
            line += buf;
            if (!line.empty() && line.back() == '\n') {
                line.pop_back();
                out.push_back(std::move(line));
                line.clear();
            }
        }
        return out;
    }

  private:
    void restore() {
        if (saved_ < 0) return;
        flush();
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    int saved_ = -1;
    std::FILE* file_ = nullptr;
};

class LogTest : public ::testing::Test {
  protected:
    void TearDown() override { init(Level::info); }
};

TEST_F(LogTest, ParseLevel) {
    Level l = Level::info;
    EXPECT_TRUE(parse_level("debug", l));
    EXPECT_EQ(l, Level::debug);
    EXPECT_TRUE(parse_level("warn", l));
    EXPECT_EQ(l, Level::warn);
    EXPECT_TRUE(parse_level("error", l));
    EXPECT_EQ(l, Level::error);
    EXPECT_TRUE(parse_level("info", l));
    EXPECT_EQ(l, Level::info);
    EXPECT_FALSE(parse_level("verbose", l));
    EXPECT_FALSE(parse_level("", l));
    EXPECT_EQ(l, Level::info);
}

TEST_F(LogTest, JsonLinesWithEscaping) {
    init(Level::debug);
    StderrCapture capture;
    debug("quote \" backslash \\ newline \n tab \t bell \x07 utf8 é bad \xff end");
    error("boom");
    const auto lines = capture.lines();
    ASSERT_EQ(lines.size(), 2u);
    const auto first = boost::json::parse(lines[0]).as_object();
    EXPECT_EQ(first.at("level").as_string(), "debug");
    EXPECT_EQ(first.at("msg").as_string(),
              "quote \" backslash \\ newline \n tab \t bell \x07 utf8 é bad \xef\xbf\xbd end");
    const auto ts = std::string(first.at("ts").as_string());
    EXPECT_EQ(ts.size(), 24u) << ts;  // 2024-05-01T12:00:00.123Z
    EXPECT_EQ(ts.back(), 'Z');
    EXPECT_EQ(boost::json::parse(lines[1]).as_object().at("level").as_string(), "error");
}

TEST_F(LogTest, LevelFilters) {
    init(Level::warn);
    StderrCapture capture;
    debug("no");
    info("no");
    request("GET", "/", "/", 200, 1ms, "id");
    warn("yes");
    const auto lines = capture.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(boost::json::parse(lines[0]).as_object().at("msg").as_string(), "yes");
}

TEST_F(LogTest, AccessLogLine) {
    init(Level::info);
    StderrCapture capture;
    request("PATCH", "/api/u/tasks/\"x\"", "/api/{user_id}/tasks/{id}", 412, 1500us, "req-1");
    const auto lines = capture.lines();
    ASSERT_EQ(lines.size(), 1u);
    const auto line = boost::json::parse(lines[0]).as_object();
    EXPECT_EQ(line.at("level").as_string(), "info");
    EXPECT_EQ(line.at("msg").as_string(), "request");
    EXPECT_EQ(line.at("method").as_string(), "PATCH");
    EXPECT_EQ(line.at("path").as_string(), "/api/u/tasks/\"x\"");
    EXPECT_EQ(line.at("route").as_string(), "/api/{user_id}/tasks/{id}");
    EXPECT_EQ(line.at("status").as_int64(), 412);
    EXPECT_DOUBLE_EQ(line.at("duration_ms").to_number<double>(), 1.5);
    EXPECT_EQ(line.at("request_id").as_string(), "req-1");
}

}  // namespace
}  // namespace todoai::log
