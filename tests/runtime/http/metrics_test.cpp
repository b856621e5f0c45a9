#include "runtime/http/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace todoai::http {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(MetricsTest, CountsPerMethodRouteStatus) {
    Metrics m;
    m.observe("GET", "/health", 200, 1ms);
    m.observe("GET", "/health", 200, 1ms);
    m.observe("GET", "/health", 503, 1ms);
    m.observe("POST", "/api/{user_id}/tasks", 201, 1ms);
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, "# TYPE todoai_http_requests_total counter"));
    EXPECT_TRUE(has_line(text, R"(todoai_http_requests_total{method="GET",route="/health",status="200"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(todoai_http_requests_total{method="GET",route="/health",status="503"} 1)"));
    EXPECT_TRUE(
        has_line(text, R"(todoai_http_requests_total{method="POST",route="/api/{user_id}/tasks",status="201"} 1)"));
    EXPECT_TRUE(has_line(text, "# TYPE todoai_process_uptime_seconds gauge"));
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInclusive) {
    Metrics m;
    m.observe("GET", "/r", 200, 500us);  // exactly on 0.0005: counts there (le is inclusive)
    m.observe("GET", "/r", 200, 600us);  // 0.001
    m.observe("GET", "/r", 404, 30ms);   // 0.05, other status, same histogram
    m.observe("GET", "/r", 200, 3s);     // only +Inf
    m.observe("GET", "/r", 200, -5ns);   // clamped to 0
    const auto text = m.render();
    const std::string p = R"(todoai_http_request_duration_seconds_bucket{method="GET",route="/r",le=")";
    EXPECT_TRUE(has_line(text, p + R"(0.0005"} 2)")) << text;
    EXPECT_TRUE(has_line(text, p + R"(0.001"} 3)"));
    EXPECT_TRUE(has_line(text, p + R"(0.025"} 3)"));
    EXPECT_TRUE(has_line(text, p + R"(0.05"} 4)"));
    EXPECT_TRUE(has_line(text, p + R"(2.5"} 4)"));
    EXPECT_TRUE(has_line(text, p + R"(+Inf"} 5)"));
    EXPECT_TRUE(has_line(text, R"(todoai_http_request_duration_seconds_count{method="GET",route="/r"} 5)"));
    EXPECT_TRUE(has_line(text, R"(todoai_http_request_duration_seconds_sum{method="GET",route="/r"} 3.0311)"));
    EXPECT_TRUE(has_line(text, "# TYPE todoai_http_request_duration_seconds histogram"));
}

TEST(MetricsTest, AddedSectionsFollowOnEveryScrape) {
    Metrics m;
    int scrapes = 0;
    m.add_section([&] { return "section_scrapes " + std::to_string(++scrapes) + "\n"; });
    EXPECT_TRUE(has_line(m.render(), "section_scrapes 1"));
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, "section_scrapes 2")) << text;
    EXPECT_LT(text.find("todoai_process_uptime_seconds"), text.find("section_scrapes")) << "appended after ours";
}

TEST(MetricsTest, EscapesLabelValues) {
    Metrics m;
    m.observe("GET", "/a\"b\\c\n", 200, 1ms);
    EXPECT_NE(m.render().find(R"(route="/a\"b\\c\n")"), std::string::npos);
}

TEST(MetricsTest, ConcurrentObserveLosesNothing) {
    Metrics m;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&m, t] {
            for (int i = 0; i < 10000; ++i) m.observe("GET", i % 2 ? "/a" : "/b", 200 + t % 2, 1ms);
        });
    for (auto& t : threads) t.join();
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, R"(todoai_http_request_duration_seconds_count{method="GET",route="/a"} 20000)"));
    EXPECT_TRUE(has_line(text, R"(todoai_http_requests_total{method="GET",route="/b",status="201"} 10000)"));
}

}  // namespace
}  // namespace todoai::http
