#include "app/secrets.hpp"

#include <sys/stat.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "app/drivers.hpp"
#include "runtime/dapr/secret_store.hpp"

namespace todoai::app {
namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read the JWT secret file " + path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
    std::random_device rd;  // getrandom(2) on Linux
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        auto b = rd() & 0xff;
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    }
    return out;
}

std::string resolve_jwt_secret(const Config& config, const std::filesystem::path& data_dir) {
    std::string secret = config.jwt_secret;
    if (secret.empty() && !config.jwt_secret_file.empty()) secret = read_file(config.jwt_secret_file);
    if (!secret.empty()) {
        if (secret.size() < 32) throw std::runtime_error("JWT_SECRET must be at least 32 bytes long");
        return secret;
    }
    if (config.environment == "production")
        throw std::runtime_error("JWT_SECRET (or --jwt-secret-file) is required when ENVIRONMENT=production");
    auto path = data_dir / "jwt-secret";
    if (std::filesystem::exists(path)) return read_file(path);
    std::filesystem::create_directories(data_dir);
    secret = random_hex(32);
    {
        std::ofstream out(path, std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + path.string());
        out << secret << '\n';
    }
    ::chmod(path.c_str(), 0600);
    return secret;
}

void apply_dapr_secrets(Config& config) {
    if (config.secret_store.empty()) return;
    const bool need_db = config.database_url.empty();
    const bool need_jwt = config.jwt_secret.empty() && config.jwt_secret_file.empty();
    if (!need_db && !need_jwt) return;
    dapr::SidecarClient sidecar(sidecar_options(config));
    const std::chrono::seconds wait(config.dapr_wait_seconds);
    auto read = [&](const std::string& name, const std::string& key, bool required) {
        std::optional<std::string> value;
        try {
            value = dapr::read_secret(sidecar, config.secret_store, name, key, wait);
        } catch (const dapr::SidecarError& e) {
            throw std::runtime_error(std::string("secret store: ") + e.what());
        }
        if (!value && required)
            throw std::runtime_error("secret store '" + config.secret_store + "' has no key '" + key + "' in secret '" +
                                     name + "'");
        return value.value_or("");
    };
    if (need_db) config.database_url = read(config.db_secret_name, config.db_secret_key, true);
    // The JWT secret may live elsewhere (a file, or generated in development): absent is not an error here.
    if (need_jwt) config.jwt_secret = read(config.jwt_secret_name, config.jwt_secret_key, false);
}

}  // namespace todoai::app
