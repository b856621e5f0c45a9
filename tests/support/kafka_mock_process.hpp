#pragma once
// The Kafka protocol peer for driver tests: todoai-kafka-mock (librdkafka's mock cluster) as a child process that
// never outlives the test. Faults are injected through its stdin commands.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace todoai::testing {

class KafkaMockProcess {
  public:
    /// Starts kafka_mock_binary() with `args` (e.g. {"--brokers", "1"}) and waits (up to 10 s) for its bootstrap line.
    explicit KafkaMockProcess(std::vector<std::string> args = {});
    ~KafkaMockProcess();
    KafkaMockProcess(const KafkaMockProcess&) = delete;
    KafkaMockProcess& operator=(const KafkaMockProcess&) = delete;

    /// "host:port,host:port,...": what a client puts in bootstrap.servers.
    const std::string& bootstrap() const { return bootstrap_; }

    /// Sends one command ("broker-down 1", "all-down", "all-up", ...) and waits for its answer; throws
    /// std::runtime_error if the answer is not "ok".
    void command(const std::string& line);

  private:
    std::string read_line(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    std::string buffered_;  // stdout read past the last line
    std::string bootstrap_;
};

}  // namespace todoai::testing
