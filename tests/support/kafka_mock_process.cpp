#include "support/kafka_mock_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "support/test_paths.hpp"

namespace todoai::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kCommandTimeout = std::chrono::seconds(5);
constexpr std::string_view kBootstrapPrefix = "bootstrap=";

}  // namespace

KafkaMockProcess::KafkaMockProcess(std::vector<std::string> args) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv{kafka_mock_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed test runner takes its brokers with it
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execv(cargv[0], cargv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];

    const auto line = read_line(kStartTimeout);
    if (line.rfind(kBootstrapPrefix, 0) != 0) {
        throw std::runtime_error(argv[0] + " did not print its bootstrap line; it printed: '" + line +
                                 "' (is todoai-kafka-mock built next to todoai?)");
    }
    bootstrap_ = line.substr(kBootstrapPrefix.size());
}

KafkaMockProcess::~KafkaMockProcess() {
    if (stdin_ >= 0) close(stdin_);
    if (stdout_ >= 0) close(stdout_);
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);  // nothing to flush: the cluster lives in memory
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

void KafkaMockProcess::command(const std::string& line) {
    const std::string text = line + "\n";
    if (write(stdin_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw std::runtime_error("cannot send '" + line + "' to todoai-kafka-mock");
    const auto answer = read_line(kCommandTimeout);
    if (answer != "ok") throw std::runtime_error("todoai-kafka-mock refused '" + line + "': " + answer);
}

std::string KafkaMockProcess::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto eol = buffered_.find('\n'); eol != std::string::npos) {
            auto line = buffered_.substr(0, eol);
            buffered_.erase(0, eol + 1);
            return line;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return "(timed out; read so far: " + buffered_ + ")";
        pollfd p{stdout_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[512];
        const auto n = read(stdout_, buf, sizeof buf);
        if (n <= 0) return "(exited; read so far: " + buffered_ + ")";
        buffered_.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace todoai::testing
