#pragma once
// The drivers a process runs on, picked from the configuration (the only place that names them): SQLite files under
// the data dir or PostgreSQL schemas (DATABASE_URL), and the Kafka bus (TODOAI_KAFKA_BROKERS) or none (the caller then
// uses the in-process bus).
#include <chrono>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "app/config.hpp"
#include "core/clock.hpp"
#include "runtime/dapr/sidecar_client.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/store/database.hpp"

namespace todoai::app {

/// What a store's commits promise. `cache`: its contents can be rebuilt or done without (websocket's replay log), so
/// on PostgreSQL a commit does not wait for the WAL flush; a server crash may lose the last few.
enum class Durability { durable, cache };

/// Where the stores live. One store per service, plus the in-process bus's dead letters ("bus").
class StoreLocation {
  public:
    /// Throws std::runtime_error with a one-line reason for an unsupported DATABASE_URL.
    explicit StoreLocation(const Config& config);

    bool postgres() const { return !postgres_url_.empty(); }

    /// Opens and migrates the store `name` ("todo", ..., "bus"): <data dir>/<name>.db, or the schema `schema` on
    /// PostgreSQL. Throws StoreError(unavailable) naming host:port when PostgreSQL cannot be reached.
    std::unique_ptr<store::Database> open(std::string_view name,
                                          std::string_view schema,
                                          std::span<const store::Migration> migrations,
                                          Durability durability = Durability::durable) const;

    /// For the start-up line and `migrate`: "todo.db in ./data", or "schema todo_service on host:port/db".
    std::string describe(std::string_view name, std::string_view schema) const;

    /// host:port/db of the PostgreSQL server (never its credentials), or the data dir.
    std::string place() const;

    /// The PostgreSQL schema of the in-process bus's dead letters.
    static constexpr std::string_view kBusSchema = "bus_dead_letters";

  private:
    std::filesystem::path data_dir_;
    std::string postgres_url_;
    std::size_t pool_size_;
    std::chrono::milliseconds statement_timeout_;
};

/// The Kafka bus the configuration asks for, warm (brokers answered, producer id obtained), or nullptr without
/// TODOAI_KAFKA_BROKERS. Throws std::runtime_error naming the brokers when they do not answer within the connect
/// timeout, or naming the option that is wrong.
std::unique_ptr<pubsub::Bus> make_configured_kafka_bus(const Config& config, const Clock& clock);

/// The sidecar the configuration points at (DAPR_HOST, DAPR_HTTP_PORT, DAPR_API_TOKEN).
dapr::SidecarOptions sidecar_options(const Config& config);

}  // namespace todoai::app
