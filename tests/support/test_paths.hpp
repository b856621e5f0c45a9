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

}  // namespace todoai::testing
