#pragma once
#include <chrono>
#include <filesystem>
#include <memory>

#include "runtime/store/database.hpp"

namespace todoai::store {

struct SqliteOptions {
    std::filesystem::path file;                    // created with its directory if missing
    std::size_t max_connections = 8;               // pooled readers; writers share one more connection
    std::chrono::milliseconds busy_timeout{5000};  // waiting for the write lock; past it -> StoreError unavailable
    // One statement's running time; past it the statement is interrupted -> StatementTimeout. Migrations have none.
    std::chrono::milliseconds statement_timeout{5000};
};

/// SQLite in WAL mode with synchronous=NORMAL: a commit is in the WAL (the OS page cache) before it returns, so a
/// process crash loses nothing; only a power loss can drop the last commits. Foreign keys on. Connections are pooled,
/// each with its own prepared-statement cache.
std::unique_ptr<Database> open_sqlite(const SqliteOptions& options);

}  // namespace todoai::store
