#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "runtime/store/database.hpp"

namespace todoai::store {

struct PostgresOptions {
    std::string url;                  // postgresql://user:pass@host:port/db (libpq URI)
    std::string schema;               // e.g. "todo_service": created by migrate(), every connection's search_path
    std::size_t max_connections = 8;  // bounded pool
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds statement_timeout{5000};
    std::chrono::milliseconds acquire_timeout{5000};  // waiting for a pooled connection -> StoreError unavailable
    // false: a commit returns before its WAL record is flushed. A server crash (not a process crash) can then lose
    // the last few commits, so only for a store whose contents are a cache (websocket's replay log).
    bool synchronous_commit = true;
};

/// PostgreSQL through libpq: a bounded pool of connections whose search_path is `schema`, each caching its prepared
/// statements by SQL text. A connection found broken is dropped and replaced on the next begin(), so the process
/// survives a server restart. Throws StoreError(unavailable) with a one-line message naming host:port (never the
/// password) when the server cannot be reached at start.
std::unique_ptr<Database> open_postgres(const PostgresOptions& options);

}  // namespace todoai::store
