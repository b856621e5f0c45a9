#pragma once
// Runs the real todoai binary (TODOAI_BINARY) as a child process on a free port, as a user would.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace todoai::testing {

inline constexpr const char* kTestJwtSecret = "integration-test-secret-0123456789abcdef";

class TodoaiProcess {
  public:
    /// `args` follow the binary (default: serve all); --host, --port 0, --data-dir and --jwt-secret are added.
    explicit TodoaiProcess(std::filesystem::path data_dir, std::vector<std::string> args = {"serve", "all"});
    ~TodoaiProcess();
    TodoaiProcess(const TodoaiProcess&) = delete;
    TodoaiProcess& operator=(const TodoaiProcess&) = delete;

    /// Starts the process and waits (up to 30 s) for its "serving ... on http://host:port" line. `port` 0 takes a
    /// free one; a restart after kill9() may pass port() to come back where its peers expect it.
    void start(std::uint16_t port = 0);
    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }

    /// SIGTERM, then waits for exit; returns the exit code (128+signal if killed by one).
    int stop(std::chrono::seconds timeout = std::chrono::seconds(30));
    /// SIGKILL, no chance to clean up (crash tests).
    void kill9();

    /// The path of the file receiving the process's stderr (its JSON logs).
    std::filesystem::path log_file() const { return data_dir_ / "todoai.log"; }

    /// Path of the binary under test.
    static std::string binary();

    /// Runs the binary to completion with `args` and returns {exit code, stdout + stderr}.
    static std::pair<int, std::string> run(const std::vector<std::string>& args,
                                           const std::vector<std::string>& env = {});

  private:
    int wait_exit(std::chrono::milliseconds timeout);

    std::filesystem::path data_dir_;
    std::vector<std::string> args_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace todoai::testing
