#include "app/secrets.hpp"

#include <sys/stat.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

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

}  // namespace todoai::app
