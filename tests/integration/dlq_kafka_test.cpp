// `todoai dlq list|replay <topic>` on the Kafka bus, as an operator runs it: the real binary against todoai-kafka-mock,
// dead letters written and read back with kcat exactly as the bus writes them (key, payload, ce_id and the dlq_*
// headers on "<topic>-dlq").
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

#include "support/kafka_mock_process.hpp"
#include "support/todoai_process.hpp"

namespace todoai::testing {
namespace {

/// Runs a shell command and returns its stdout.
std::string shell(const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return out;
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    pclose(pipe);
    return out;
}

/// Writes one dead letter to task-events-dlq as a consumer group of the Kafka bus does.
void write_dead_letter(const KafkaMockProcess& kafka,
                       const std::string& key,
                       const std::string& event_id,
                       const std::string& group) {
    const auto payload = R"({"id":")" + event_id + R"("})";
    const auto cmd = "printf '%s\\t%s\\n' '" + key + "' '" + payload + "' | kcat -P -b " + kafka.bootstrap() +
                     " -t task-events-dlq -K '\\t' -H ce_id=" + event_id + " -H 'dlq_reason=not a CloudEvent'" +
                     " -H dlq_original_topic=task-events -H dlq_group=" + group +
                     " -H dlq_attempts=1 -H dlq_failed_at=2026-01-02T03:04:05.000Z 2>&1";
    ASSERT_EQ(shell(cmd), "") << cmd;
}

/// The dead-letter lines of a `dlq list` output (the binary's stderr, its log, is in there too).
std::vector<boost::json::object> letters_in(const std::string& output) {
    std::vector<boost::json::object> letters;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        boost::system::error_code ec;
        auto value = boost::json::parse(line, ec);
        if (!ec && value.is_object() && value.as_object().contains("event_id")) letters.push_back(value.as_object());
    }
    std::sort(letters.begin(), letters.end(),
              [](const auto& a, const auto& b) { return a.at("event_id").as_string() < b.at("event_id").as_string(); });
    return letters;
}

/// task-events as "key|payload|headers" lines, sorted (kcat interleaves partitions).
std::vector<std::string> task_events(const KafkaMockProcess& kafka) {
    std::istringstream out(
        shell("kcat -C -b " + kafka.bootstrap() + " -t task-events -o beginning -e -q -f '%k|%s|%h\\n' 2>/dev/null"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(out, line);)
        if (!line.empty()) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
}

TEST(DlqKafka, ListsAndReplaysTheDeadLetterTopicOnce) {
    KafkaMockProcess kafka({"--partitions", "3"});
    const std::vector<std::string> on_kafka{"--kafka-brokers", kafka.bootstrap()};
    const auto dlq = [&](std::string action, std::string topic) {
        std::vector<std::string> args{"dlq", std::move(action), std::move(topic)};
        args.insert(args.end(), on_kafka.begin(), on_kafka.end());
        return TodoaiProcess::run(args);
    };

    auto [empty_code, empty] = dlq("list", "task-events");
    EXPECT_EQ(empty_code, 0) << empty;
    EXPECT_EQ(empty, "") << "no dead letters yet";

    write_dead_letter(kafka, "user-1", "e1", "audit-service");
    write_dead_letter(kafka, "user-2", "e2", "notification-service");
    // The same event dropped by a second group: replayed once, it reaches both again.
    write_dead_letter(kafka, "user-2", "e2", "audit-service");

    auto [code, out] = dlq("list", "task-events");
    ASSERT_EQ(code, 0) << out;
    auto letters = letters_in(out);
    ASSERT_EQ(letters.size(), 3u) << out;
    EXPECT_EQ(letters[0].at("event_id"), "e1");
    EXPECT_EQ(letters[0].at("key"), "user-1");
    EXPECT_EQ(letters[0].at("topic"), "task-events-dlq");
    EXPECT_EQ(letters[0].at("original_topic"), "task-events");
    EXPECT_EQ(letters[0].at("group"), "audit-service");
    EXPECT_EQ(letters[0].at("reason"), "not a CloudEvent");
    EXPECT_EQ(letters[0].at("attempts"), 1);
    EXPECT_EQ(letters[0].at("failed_at"), "2026-01-02T03:04:05.000Z");
    EXPECT_EQ(letters[0].at("payload"), R"({"id":"e1"})");
    for (const auto& l : letters) EXPECT_EQ(l.at("replayed"), false) << boost::json::serialize(l);
    EXPECT_EQ(letters_in(dlq("list", "task-events-dlq").second).size(), 3u);
    EXPECT_EQ(dlq("list", "reminders").second, "");

    auto [replay_code, replayed] = dlq("replay", "task-events");
    ASSERT_EQ(replay_code, 0) << replayed;
    EXPECT_NE(replayed.find("replayed 2 dead letter(s) of task-events-dlq"), std::string::npos) << replayed;
    EXPECT_EQ(task_events(kafka),
              (std::vector<std::string>{R"(user-1|{"id":"e1"}|ce_id=e1)", R"(user-2|{"id":"e2"}|ce_id=e2)"}));

    auto again = dlq("replay", "task-events");
    EXPECT_EQ(again.first, 0) << again.second;
    EXPECT_NE(again.second.find("replayed 0 dead letter(s)"), std::string::npos) << again.second;
    EXPECT_EQ(task_events(kafka).size(), 2u) << "a second replay sent letters again";
    for (const auto& l : letters_in(dlq("list", "task-events").second))
        EXPECT_EQ(l.at("replayed"), true) << boost::json::serialize(l);
}

TEST(DlqKafka, AnUnknownTopicOrUnreachableBrokersFailWithTheReason) {
    KafkaMockProcess kafka;
    auto [code, out] = TodoaiProcess::run({"dlq", "list", "teapot", "--kafka-brokers", kafka.bootstrap()});
    EXPECT_EQ(code, 2);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_NE(out.find("'teapot'"), std::string::npos) << out;

    auto [down_code, down] = TodoaiProcess::run(
        {"dlq", "replay", "task-events", "--kafka-brokers", "127.0.0.1:1", "--kafka-connect-timeout", "1"});
    EXPECT_EQ(down_code, 1) << down;
    // librdkafka's own log lines come first; the last line says what failed.
    const auto last = down.substr(down.rfind('\n', down.size() - 2) + 1);
    EXPECT_EQ(last.rfind("todoai: Kafka brokers 127.0.0.1:1 did not answer", 0), 0u) << down;
}

}  // namespace
}  // namespace todoai::testing
