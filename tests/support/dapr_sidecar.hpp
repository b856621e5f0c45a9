#pragma once
// A real daprd (built by scripts/install/dapr.sh into the cache) beside one todoai app, as a child process that never
// outlives the test. Loopback only: DAPR_HOST_IP=127.0.0.1, --dapr-listen-addresses 127.0.0.1, every port chosen free
// and given explicitly (HTTP, gRPC, internal gRPC, metrics), name resolution by the sqlite component (a file the test's
// sidecars share; never mDNS). The components come from a resources folder (dapr_resources.hpp writes one).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace todoai::testing {

/// The daprd binary: TODOAI_DAPRD, else ${TODOAI_CACHE:-$HOME/.cache/todoai}/dapr-<version>[-minimal]/daprd.
std::filesystem::path daprd_binary();

/// A free TCP port on 127.0.0.1 (bound then released; the caller passes it on at once).
std::uint16_t free_loopback_port();

struct DaprSidecarOptions {
    std::string app_id;                  // "todo-service"
    std::uint16_t app_port = 0;          // where todoai listens
    std::filesystem::path resources;     // --resources-path
    std::filesystem::path config;        // --config (the Configuration with nameResolution: sqlite)
    std::filesystem::path dir;           // its log (daprd.log) goes here
    std::string app_token;               // APP_API_TOKEN: daprd sends it to the app
    std::string api_token;               // DAPR_API_TOKEN: the app must send it
    std::uint16_t http_port = 0;         // 0: a free one
    std::vector<std::string> extra_env;  // NAME=value
    bool wait = true;                    // the constructor waits for health (false: the app starts after daprd)
};

class DaprSidecar {
  public:
    /// Starts daprd and, with `wait`, waits (up to 60 s) for /v1.0/healthz to answer 204 (components loaded, app
    /// channel up).
    explicit DaprSidecar(DaprSidecarOptions options);
    ~DaprSidecar();
    DaprSidecar(const DaprSidecar&) = delete;
    DaprSidecar& operator=(const DaprSidecar&) = delete;

    std::uint16_t http_port() const { return http_port_; }
    std::uint16_t grpc_port() const { return grpc_port_; }
    pid_t pid() const { return pid_; }
    std::filesystem::path log_file() const { return options_.dir / "daprd.log"; }

    /// Starts it again on the same ports after kill9() or stop(); waits for health when `wait`.
    void start(bool wait = true);
    /// SIGTERM and wait.
    void stop();
    /// SIGKILL: a crashed sidecar.
    void kill9();

    /// Polls GET /v1.0/healthz until 204 or the deadline.
    bool wait_healthy(std::chrono::milliseconds timeout) const;

  private:
    DaprSidecarOptions options_;
    std::uint16_t http_port_ = 0, grpc_port_ = 0, internal_grpc_port_ = 0, metrics_port_ = 0;
    pid_t pid_ = -1;
};

/// Every TCP socket `pid` listens on, as "address:port" (read from /proc/<pid>/net/tcp{,6} and its fds).
std::vector<std::string> listening_sockets(pid_t pid);

}  // namespace todoai::testing
