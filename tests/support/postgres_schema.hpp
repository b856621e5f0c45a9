#pragma once
// A PostgreSQL schema of its own for one test on the shared test server (ctest's `postgres` fixture), so tests run in
// parallel without seeing each other's tables. Dropped with everything in it on destruction.
#include <unistd.h>

#include <atomic>
#include <random>
#include <string>
#include <string_view>

#include "runtime/store/postgres_database.hpp"
#include "support/test_paths.hpp"

namespace todoai::testing {

class PostgresSchema {
  public:
    /// `prefix`: lower-case letters, digits, underscores; the name adds the pid, a counter and a random number.
    explicit PostgresSchema(std::string_view prefix = "test") : url_(postgres_test_url()) {
        static std::atomic<unsigned> counter{0};
        std::random_device rd;
        name_ = std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                std::to_string(rd() % 1000000);
    }
    ~PostgresSchema() {
        try {
            auto db = store::open_postgres(options());
            auto tx = db->begin(store::Database::Access::write);
            tx->execute("DROP SCHEMA IF EXISTS \"" + name_ + "\" CASCADE");
            tx->commit();
        } catch (const std::exception&) {
            // A test that stopped the server leaves its schema behind; the fixture's server is thrown away anyway.
        }
    }
    PostgresSchema(const PostgresSchema&) = delete;
    PostgresSchema& operator=(const PostgresSchema&) = delete;

    const std::string& name() const { return name_; }
    const std::string& url() const { return url_; }
    store::PostgresOptions options() const { return {.url = url_, .schema = name_}; }
    std::unique_ptr<store::Database> open() const { return store::open_postgres(options()); }

  private:
    std::string url_;
    std::string name_;
};

}  // namespace todoai::testing
