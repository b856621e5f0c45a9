// todoai-kafka-mock: librdkafka's mock cluster in a process of its own, so tests and dev-cluster.sh reach it over TCP
// exactly as they would reach brokers. Prints "bootstrap=<host:port,...>" once ready, then serves until stdin reaches
// EOF or SIGTERM/SIGINT, answering fault commands read from stdin (one per line) with "ok" or "error <why>".
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
    int brokers = 3;
    int partitions = 6;
    std::vector<std::string> topics;
};

// The design's topics (task-events, reminders), seed 001's per-type topics, and the dead-letter topic of each.
std::vector<std::string> default_topics() {
    std::vector<std::string> topics;
    for (const char* t : {"task-events", "reminders", "task-created", "task-updated", "task-completed", "task-deleted",
                          "reminder-due", "task-updates"}) {
        topics.emplace_back(t);
        topics.emplace_back(std::string(t) + "-dlq");
    }
    return topics;
}

std::optional<int> parse_count(std::string_view text, int min, int max) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
    return value;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    std::stringstream in{std::string(text)};
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

[[noreturn]] void usage_error(const std::string& why) {
    std::cerr << "todoai-kafka-mock: " << why
              << " (usage: todoai-kafka-mock [--brokers N] [--partitions N] [--topics a,b,...])\n";
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options options;
    options.topics = default_topics();
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::cout << "usage: todoai-kafka-mock [--brokers N] [--partitions N] [--topics a,b,...]\n"
                         "prints bootstrap=<host:port,...>, then reads commands on stdin: broker-down <id>, "
                         "broker-up <id>, all-down, all-up\n";
            std::exit(0);
        }
        if (i + 1 >= argc) usage_error("missing value after " + std::string(flag));
        const std::string_view value = argv[++i];
        if (flag == "--brokers") {
            auto n = parse_count(value, 1, 64);
            if (!n) usage_error("--brokers wants a number from 1 to 64, got '" + std::string(value) + "'");
            options.brokers = *n;
        } else if (flag == "--partitions") {
            auto n = parse_count(value, 1, 1000);
            if (!n) usage_error("--partitions wants a number from 1 to 1000, got '" + std::string(value) + "'");
            options.partitions = *n;
        } else if (flag == "--topics") {
            options.topics = split_list(value);
        } else if (flag == "--port") {
            // librdkafka 2.0.2's mock cluster binds every listener to an ephemeral loopback port; no API chooses it.
            usage_error("--port is not supported: librdkafka 2.0.2's mock cluster always picks free ports");
        } else {
            usage_error("unknown flag " + std::string(flag));
        }
    }
    return options;
}

struct KafkaDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};

// The mock cluster lives inside a client handle; its brokers run on librdkafka's threads.
std::unique_ptr<rd_kafka_t, KafkaDeleter> make_cluster_handle(int brokers) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const auto count = std::to_string(brokers);
    if (rd_kafka_conf_set(conf, "test.mock.num.brokers", count.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        std::cerr << "todoai-kafka-mock: " << err << "\n";
        std::exit(1);
    }
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == nullptr) {
        std::cerr << "todoai-kafka-mock: cannot create the mock cluster: " << err << "\n";
        std::exit(1);
    }
    return std::unique_ptr<rd_kafka_t, KafkaDeleter>(rk);
}

std::string set_broker(rd_kafka_mock_cluster_t* cluster, int id, bool up) {
    const auto err = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id);
    if (err) return "error broker " + std::to_string(id) + ": " + rd_kafka_err2str(err);
    return "ok";
}

std::string run_command(rd_kafka_mock_cluster_t* cluster, int brokers, const std::string& line) {
    std::istringstream in(line);
    std::string verb, arg, extra;
    in >> verb >> arg >> extra;
    if (!extra.empty()) return "error too many arguments";
    if (verb == "all-down" || verb == "all-up") {
        if (!arg.empty()) return "error " + verb + " takes no argument";
        for (int id = 1; id <= brokers; ++id) {
            auto answer = set_broker(cluster, id, verb == "all-up");
            if (answer != "ok") return answer;
        }
        return "ok";
    }
    if (verb == "broker-down" || verb == "broker-up") {
        auto id = parse_count(arg, 1, brokers);
        if (!id) return "error " + verb + " wants a broker id from 1 to " + std::to_string(brokers);
        return set_broker(cluster, *id, verb == "broker-up");
    }
    return "error unknown command '" + verb + "' (broker-down <id>, broker-up <id>, all-down, all-up)";
}

// A signalfd for SIGTERM/SIGINT, blocked first so librdkafka's threads (started later) inherit the mask. A SIGINT its
// starter ignores stays ignored (Linux queues a blocked signal even when ignored): dev-cluster.sh keeps the peer up
// through Ctrl-C until the services have drained into it.
int block_termination_signals() {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    struct sigaction interrupt {};
    if (sigaction(SIGINT, nullptr, &interrupt) != 0 || interrupt.sa_handler != SIG_IGN) sigaddset(&mask, SIGINT);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    return signalfd(-1, &mask, SFD_CLOEXEC);
}

// Answers stdin commands until EOF or a termination signal.
void serve(rd_kafka_mock_cluster_t* cluster, int brokers, int signal_fd) {
    std::string pending;
    for (;;) {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {signal_fd, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents & POLLIN) return;
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[1024];
        const auto n = read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) return;
        pending.append(buf, static_cast<std::size_t>(n));
        for (auto eol = pending.find('\n'); eol != std::string::npos; eol = pending.find('\n')) {
            std::string line = pending.substr(0, eol);
            pending.erase(0, eol + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos) continue;
            std::cout << run_command(cluster, brokers, line) << std::endl;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    const int signal_fd = block_termination_signals();
    auto handle = make_cluster_handle(options.brokers);
    rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(handle.get());
    if (cluster == nullptr) {
        std::cerr << "todoai-kafka-mock: librdkafka did not create a mock cluster\n";
        return 1;
    }
    const int replication = std::min(3, options.brokers);
    for (const auto& topic : options.topics) {
        if (auto err = rd_kafka_mock_topic_create(cluster, topic.c_str(), options.partitions, replication)) {
            std::cerr << "todoai-kafka-mock: cannot create topic '" << topic << "': " << rd_kafka_err2str(err) << "\n";
            return 1;
        }
    }
    std::cout << "bootstrap=" << rd_kafka_mock_cluster_bootstraps(cluster) << std::endl;
    serve(cluster, options.brokers, signal_fd);
    return 0;
}
