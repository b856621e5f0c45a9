#pragma once
// Kafka from outside the bus, as another team's client would touch it: Debian's kcat, run as a child process. Tests
// produce records the services never wrote and read what the services dead-lettered, with no help from todoai's code.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace todoai::testing {

struct CommandResult {
    int exit_code = -1;
    std::string out;  // stdout only: kcat writes its diagnostics on stderr, which goes to the test's stderr
};

/// Runs `argv` (found on PATH) and returns its exit code and stdout; kills it and throws after `timeout`.
inline CommandResult run_command(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) {
        close(out[0]);
        throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(spawned));
    }
    CommandResult result;
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        pollfd fd{.fd = out[0], .events = POLLIN, .revents = 0};
        if (left.count() <= 0 || poll(&fd, 1, static_cast<int>(left.count())) == 0) {
            ::kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
            close(out[0]);
            throw std::runtime_error(argv[0] + " did not finish within " + std::to_string(timeout.count()) + " ms");
        }
        char buf[8192];
        const ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        result.out.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

/// Produces `value` as one record to `topic` with `key` (kcat sends each file named on its command line as one
/// record, whatever bytes it holds). `scratch` is a directory for that file.
inline void kcat_produce(const std::string& bootstrap,
                         const std::string& topic,
                         const std::string& key,
                         const std::string& value,
                         const std::filesystem::path& scratch) {
    static int counter = 0;
    const auto file = scratch / ("kcat-record-" + std::to_string(++counter));
    std::ofstream(file, std::ios::binary) << value;
    auto result = run_command({"kcat", "-b", bootstrap, "-P", "-t", topic, "-k", key, file.string()});
    if (result.exit_code != 0)
        throw std::runtime_error("kcat could not produce to " + topic + " (exit " + std::to_string(result.exit_code) +
                                 ")");
}

struct KafkaRecord {
    std::string key;
    std::string payload;
    std::map<std::string, std::string> headers;  // the last value of each name
};

/// Every record of `topic` from the beginning (none if the topic does not exist yet), read by kcat as JSON.
inline std::vector<KafkaRecord> kcat_read_all(const std::string& bootstrap, const std::string& topic) {
    auto result = run_command({"kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J"});
    if (result.exit_code != 0)
        throw std::runtime_error("kcat could not read " + topic + " (exit " + std::to_string(result.exit_code) + ")");
    boost::json::parse_options options;
    options.allow_invalid_utf8 = true;  // kcat copies a payload's bytes as they are; garbage stays garbage
    std::vector<KafkaRecord> records;
    std::size_t from = 0;
    while (from < result.out.size()) {
        auto to = result.out.find('\n', from);
        if (to == std::string::npos) to = result.out.size();
        const auto line = std::string_view(result.out).substr(from, to - from);
        from = to + 1;
        if (line.empty()) continue;
        const auto json = boost::json::parse(line, {}, options).as_object();
        KafkaRecord record;
        if (const auto* k = json.if_contains("key"); k && k->is_string()) record.key = k->get_string();
        if (const auto* p = json.if_contains("payload"); p && p->is_string()) record.payload = p->get_string();
        if (const auto* h = json.if_contains("headers"); h && h->is_array()) {
            const auto& list = h->get_array();
            for (std::size_t i = 0; i + 1 < list.size(); i += 2)
                record.headers[std::string(list[i].as_string())] =
                    list[i + 1].is_string() ? std::string(list[i + 1].get_string()) : std::string();
        }
        records.push_back(std::move(record));
    }
    return records;
}

}  // namespace todoai::testing
