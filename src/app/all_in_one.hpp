#pragma once
// The five services in one process (`todoai`, `todoai serve all`): on the embedded default, SQLite stores, the
// in-process bus and one HTTP port.
#include <filesystem>
#include <string>
#include <vector>

#include "app/process.hpp"

namespace todoai::app {

class AllInOne : public Process {
  public:
    /// Opens and migrates every store (under `data_dir` unless DATABASE_URL names PostgreSQL) and wires the services.
    AllInOne(const Config& config, const std::filesystem::path& data_dir, const std::string& jwt_secret)
        : Process(with_data_dir(config, data_dir), all_services(), jwt_secret) {}

  private:
    static Config with_data_dir(Config config, const std::filesystem::path& data_dir) {
        config.data_dir = data_dir;
        if (!is_postgres_url(config.database_url)) config.database_url.clear();
        return config;
    }
    static std::vector<Service> all_services() { return *parse_services("all"); }
};

}  // namespace todoai::app
