#pragma once
// Where the tests find the binary and the real servers: everything hangs off TODOAI_BINARY (set by ctest), so one
// variable locates the build tree. A missing piece is a failure with its reason, never a skip.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace todoai::testing {

inline std::filesystem::path todoai_binary() {
    const char* path = std::getenv("TODOAI_BINARY");
    if (path == nullptr || *path == '\0')
        throw std::runtime_error("TODOAI_BINARY is not set: run the tests through ctest (scripts/test.sh)");
    return path;
}

/// librdkafka's mock cluster as a process (tools/kafka_mock), built next to todoai.
inline std::filesystem::path kafka_mock_binary() { return todoai_binary().parent_path() / "todoai-kafka-mock"; }

/// The PostgreSQL server that ctest's `postgres` fixture started (tests/support/postgres_server.sh).
inline std::string postgres_test_url() {
    const auto file = todoai_binary().parent_path() / "postgres-test" / "url";
    std::ifstream in(file);
    std::string url;
    if (!std::getline(in, url) || url.empty())
        throw std::runtime_error("no PostgreSQL test server: " + file.string() +
                                 " is missing (ctest's postgres_start fixture writes it)");
    return url;
}

/// A source file's path from its __FILE__: the build (scripts/build.sh) compiles with paths relative to the build
/// directory, where todoai is built, so ccache entries serve every checkout; those are resolved from there.
inline std::filesystem::path source_path(const char* file) {
    const std::filesystem::path path(file);
    if (path.is_absolute()) return path;
    return (todoai_binary().parent_path() / path).lexically_normal();
}

/// tests/support/kafka_server.sh (start|resume|stop DIR), beside this file.
inline std::filesystem::path kafka_server_script() { return source_path(__FILE__).parent_path() / "kafka_server.sh"; }

/// A line of a file that tests/support/kafka_server.sh wrote into `dir` (bootstrap, sasl_bootstrap, sasl_users).
inline std::string kafka_server_file(const std::filesystem::path& dir, const std::string& name) {
    std::ifstream in(dir / name);
    std::string line;
    if (!std::getline(in, line) || line.empty())
        throw std::runtime_error("no Apache Kafka broker: " + (dir / name).string() +
                                 " is missing (ctest's kafka_start fixture, or kafka_server.sh start, writes it)");
    return line;
}

/// The Apache Kafka broker that ctest's `kafka` fixture started: its folder (build/kafka-test).
inline std::filesystem::path kafka_test_dir() { return todoai_binary().parent_path() / "kafka-test"; }

/// That broker's PLAINTEXT bootstrap address ("127.0.0.1:port").
inline std::string kafka_test_bootstrap() { return kafka_server_file(kafka_test_dir(), "bootstrap"); }

}  // namespace todoai::testing
