#pragma once
// The all-in-one process (app::AllInOne: every service, its real router and handlers) for the fuzz targets that
// drive it, on SQLite files in /dev/shm: memory-backed like ":memory:", but files, so the stores' pooled connections
// share one database as they do in production. One per fuzz process, built on first use.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "app/all_in_one.hpp"
#include "app/config.hpp"
#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/log/log.hpp"

namespace todoai::fuzz {

inline const std::string kSecret(48, 's');
inline const std::string kAppToken = "fuzz-app-token";
inline constexpr const char* kUser = "fuzz-user";
inline constexpr const char* kOtherUser = "other-user";

struct FuzzApp {
    enum class Bus { memory, dapr };

    explicit FuzzApp(Bus bus) : dir(fresh_dir()) {
        log::init(log::Level::error);  // a warning per rejected input would be most of the run's time
        app::Config config;
        config.host = "127.0.0.1";
        config.port = 0;
        config.jwt_secret = kSecret;
        config.access_log = false;
        config.app_api_token = kAppToken;
        config.drain_seconds = 1;
        if (bus == Bus::dapr) {
            config.pubsub = "dapr";
            config.dapr_http_port = 9;  // discard: nothing listens, so a call to the sidecar fails at once
        }
        process = std::make_unique<app::AllInOne>(config, dir, kSecret);
        const SystemClock clock;
        const auth::JwtCodec codec(kSecret, clock);
        token = codec.issue(kUser, std::chrono::hours(24 * 365));
        other_token = codec.issue(kOtherUser, std::chrono::hours(24 * 365));
    }
    ~FuzzApp() {
        process.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    // /dev/shm/todoai-fuzz-<pid>; directories of fuzz processes that died (a crash skips the destructor) go first.
    static std::filesystem::path fresh_dir() {
        const std::filesystem::path root = "/dev/shm";
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
            const auto name = entry.path().filename().string();
            if (name.rfind("todoai-fuzz-", 0) != 0) continue;
            const int pid = std::atoi(name.c_str() + 12);
            if (pid > 0 && ::kill(pid, 0) != 0) std::filesystem::remove_all(entry.path(), ec);
        }
        auto dir = root / ("todoai-fuzz-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir, ec);
        std::filesystem::create_directories(dir);
        return dir;
    }

    std::filesystem::path dir;
    std::unique_ptr<app::AllInOne> process;
    std::string token, other_token;
};

}  // namespace todoai::fuzz
