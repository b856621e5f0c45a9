#include "support/todoai_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace todoai::testing {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

}  // namespace

std::string TodoaiProcess::binary() {
    const char* b = std::getenv("TODOAI_BINARY");
    if (!b || !*b) throw std::runtime_error("TODOAI_BINARY is not set (ctest sets it to the built todoai)");
    return b;
}

TodoaiProcess::TodoaiProcess(std::filesystem::path data_dir, std::vector<std::string> args)
    : data_dir_(std::move(data_dir)), args_(std::move(args)) {}

TodoaiProcess::~TodoaiProcess() {
    if (pid_ > 0) kill9();
}

void TodoaiProcess::start(std::uint16_t port) {
    std::filesystem::create_directories(data_dir_);
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv{binary()};
    argv.insert(argv.end(), args_.begin(), args_.end());
    argv.insert(argv.end(), {"--host", "127.0.0.1", "--port", std::to_string(port), "--jwt-secret", kTestJwtSecret});
    argv.push_back("--data-dir");
    argv.push_back(data_dir_.string());
    const auto log = log_file().string();

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed test runner takes its server with it
        dup2(out[1], STDOUT_FILENO);
        int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (err >= 0) dup2(err, STDERR_FILENO);
        auto cargv = c_strings(argv);
        execv(cargv[0], cargv.data());
        _exit(127);
    }
    close(out[1]);

    // Read stdout until the "serving ... on http://host:PORT" line, with a deadline.
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    static const std::regex kServing(R"(on http://[^:\s]+:(\d+))");
    std::smatch m;
    while (!std::regex_search(seen, m, kServing)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{out[0], POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buf[512];
        auto n = read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        seen.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    if (!std::regex_search(seen, m, kServing)) {
        kill9();
        throw std::runtime_error("todoai did not report its port; stdout was: " + seen);
    }
    port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

int TodoaiProcess::wait_exit(std::chrono::milliseconds timeout) {
    // A pidfd becomes readable when the child exits: wait on that event rather than polling waitpid.
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        int ready = poll(&p, 1, static_cast<int>(timeout.count()));
        close(pidfd);
        if (ready <= 0) return -1;
    }
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int TodoaiProcess::stop(std::chrono::seconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    auto code = wait_exit(timeout);
    if (code == -1 && pid_ > 0) kill9();
    return code;
}

void TodoaiProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::pair<int, std::string> TodoaiProcess::run(const std::vector<std::string>& args,
                                               const std::vector<std::string>& env) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv{binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(out[1], STDERR_FILENO);
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
        auto cargv = c_strings(argv);
        execv(cargv[0], cargv.data());
        _exit(127);
    }
    close(out[1]);
    std::string output;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<std::size_t>(n));
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

}  // namespace todoai::testing
