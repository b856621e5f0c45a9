#include "app/drivers.hpp"

#include <boost/url/parse.hpp>
#include <stdexcept>

#include "app/kafka_options.hpp"
#include "runtime/pubsub/kafka_bus.hpp"
#include "runtime/store/postgres_database.hpp"
#include "runtime/store/sqlite_database.hpp"

namespace todoai::app {
namespace {

// host:port/db of a PostgreSQL URL, never its credentials.
std::string postgres_place(const std::string& url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return "the DATABASE_URL server";
    std::string place = parsed->host();
    if (parsed->has_port()) place += ":" + std::string(parsed->port());
    return place + std::string(parsed->path());
}

}  // namespace

StoreLocation::StoreLocation(const Config& config)
    : data_dir_(resolve_data_dir(config)),
      pool_size_(config.database_pool_size),
      statement_timeout_(config.statement_timeout_ms) {
    if (is_postgres_url(config.database_url)) postgres_url_ = config.database_url;
}

std::unique_ptr<store::Database> StoreLocation::open(std::string_view name,
                                                     std::string_view schema,
                                                     std::span<const store::Migration> migrations,
                                                     Durability durability) const {
    std::unique_ptr<store::Database> db;
    if (postgres())
        db = store::open_postgres({.url = postgres_url_,
                                   .schema = std::string(schema),
                                   .max_connections = pool_size_,
                                   .statement_timeout = statement_timeout_,
                                   .synchronous_commit = durability == Durability::durable});
    else
        db = store::open_sqlite(
            {.file = data_dir_ / (std::string(name) + ".db"), .statement_timeout = statement_timeout_});
    db->migrate(migrations);
    return db;
}

std::string StoreLocation::place() const { return postgres() ? postgres_place(postgres_url_) : data_dir_.string(); }

std::string StoreLocation::describe(std::string_view name, std::string_view schema) const {
    if (postgres()) return "schema " + std::string(schema) + " on " + postgres_place(postgres_url_);
    return (data_dir_ / (std::string(name) + ".db")).string();
}

std::unique_ptr<pubsub::Bus> make_configured_kafka_bus(const Config& config, const Clock& clock) {
    if (config.kafka_brokers.empty() || config.pubsub == "memory") return nullptr;
    const auto options = kafka_options(config);
    std::unique_ptr<pubsub::Bus> bus;
    try {
        bus = pubsub::make_kafka_bus(options, clock);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("Kafka: ") + e.what());
    }
    const std::chrono::seconds timeout(config.kafka_connect_timeout_seconds);
    if (!pubsub::wait_until_warm(*bus, timeout))
        throw std::runtime_error("Kafka brokers " + config.kafka_brokers + " did not answer within " +
                                 std::to_string(timeout.count()) + " s (TODOAI_KAFKA_BROKERS)");
    return bus;
}

dapr::SidecarOptions sidecar_options(const Config& config) {
    return {.host = config.dapr_host, .http_port = config.dapr_http_port, .api_token = config.dapr_api_token};
}

}  // namespace todoai::app
