#include "support/dapr_sidecar.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace todoai::testing {
namespace {

constexpr const char* kDaprVersion = "v1.18.1";  // scripts/install/dapr.sh's pin

// The status of GET `target` on 127.0.0.1:`port`, or 0 when nothing answered.
int http_status(std::uint16_t port, const std::string& target) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{.tv_sec = 2, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int status = 0;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
            char buf[64];
            const auto n = ::read(fd, buf, sizeof buf - 1);
            if (n > 12) {
                buf[n] = '\0';
                status = std::atoi(buf + 9);  // "HTTP/1.1 204 ..."
            }
        }
    }
    ::close(fd);
    return status;
}

// /proc/net/tcp's "0100007F:1F90" (IPv4, little-endian words) or tcp6's 32 hex digits, as "127.0.0.1:8080".
std::string decode_address(const std::string& hex) {
    const auto colon = hex.find(':');
    const std::string ip = hex.substr(0, colon);
    const int port = std::stoi(hex.substr(colon + 1), nullptr, 16);
    char text[INET6_ADDRSTRLEN] = {};
    if (ip.size() == 8) {
        in_addr a{.s_addr = static_cast<in_addr_t>(std::stoul(ip, nullptr, 16))};
        inet_ntop(AF_INET, &a, text, sizeof text);
        return std::string(text) + ":" + std::to_string(port);
    }
    in6_addr a{};
    for (int word = 0; word < 4; ++word) {
        const auto v = static_cast<std::uint32_t>(std::stoul(ip.substr(word * 8, 8), nullptr, 16));
        std::memcpy(&a.s6_addr[word * 4], &v, 4);  // each word is in host (little-endian) order
    }
    inet_ntop(AF_INET6, &a, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(port);
}

}  // namespace

std::filesystem::path daprd_binary() {
    if (const char* path = std::getenv("TODOAI_DAPRD"); path != nullptr && *path != '\0') return path;
    std::filesystem::path cache;
    if (const char* c = std::getenv("TODOAI_CACHE"); c != nullptr && *c != '\0')
        cache = c;
    else if (const char* home = std::getenv("HOME"); home != nullptr)
        cache = std::filesystem::path(home) / ".cache" / "todoai";
    // The full build (every component) or the minimal one (TODOAI_DAPR_COMPONENTS=minimal: only todoai's).
    const auto full = cache / (std::string("dapr-") + kDaprVersion) / "daprd";
    const auto minimal = cache / (std::string("dapr-") + kDaprVersion + "-minimal") / "daprd";
    if (std::filesystem::exists(full)) return full;
    if (std::filesystem::exists(minimal)) return minimal;
    throw std::runtime_error("no daprd at " + full.string() + " nor " + minimal.string() +
                             ": run scripts/install/dapr.sh (or set TODOAI_DAPRD)");
}

// A port below Linux's ephemeral range (32768-60999): a port the kernel hands out for port 0 is also what every
// outgoing connection of the parallel tests takes, so one picked that way was seen taken again before daprd bound it
// ("bind: address already in use"); below the range only another explicit pick can collide.
std::uint16_t free_loopback_port() {
    static std::mt19937 random(static_cast<std::uint32_t>(::getpid()) ^
                               static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::uniform_int_distribution<int> pick(20000, 32000);
    for (int attempt = 0; attempt < 200; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) break;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(pick(random)));
        const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (bound) return ntohs(addr.sin_port);
    }
    throw std::runtime_error("cannot find a free port on 127.0.0.1 in 20000-32000");
}

DaprSidecar::DaprSidecar(DaprSidecarOptions options) : options_(std::move(options)) {
    http_port_ = options_.http_port != 0 ? options_.http_port : free_loopback_port();
    grpc_port_ = free_loopback_port();
    internal_grpc_port_ = free_loopback_port();
    metrics_port_ = free_loopback_port();
    std::filesystem::create_directories(options_.dir);
    start(options_.wait);
}

DaprSidecar::~DaprSidecar() {
    try {
        stop();
    } catch (...) {
    }
}

void DaprSidecar::start(bool wait) {
    const auto binary = daprd_binary().string();
    std::vector<std::string> argv{binary,
                                  "--mode",
                                  "standalone",
                                  "--app-id",
                                  options_.app_id,
                                  "--app-port",
                                  std::to_string(options_.app_port),
                                  "--app-protocol",
                                  "http",
                                  "--app-channel-address",
                                  "127.0.0.1",
                                  "--dapr-listen-addresses",
                                  "127.0.0.1",
                                  "--dapr-http-port",
                                  std::to_string(http_port_),
                                  "--dapr-grpc-port",
                                  std::to_string(grpc_port_),
                                  "--dapr-internal-grpc-port",
                                  std::to_string(internal_grpc_port_),
                                  "--dapr-internal-grpc-listen-address",
                                  "127.0.0.1",
                                  "--metrics-port",
                                  std::to_string(metrics_port_),
                                  "--metrics-listen-address",
                                  "127.0.0.1",
                                  "--resources-path",
                                  options_.resources.string(),
                                  "--config",
                                  options_.config.string(),
                                  "--dapr-graceful-shutdown-seconds",
                                  "2",
                                  "--log-level",
                                  "info"};
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view v(*e);
        if (v.starts_with("APP_API_TOKEN=") || v.starts_with("DAPR_API_TOKEN=") || v.starts_with("DAPR_HOST_IP="))
            continue;
        env.emplace_back(v);
    }
    env.push_back("DAPR_HOST_IP=127.0.0.1");  // what daprd registers with name resolution and binds beside
    if (!options_.app_token.empty()) env.push_back("APP_API_TOKEN=" + options_.app_token);
    if (!options_.api_token.empty()) env.push_back("DAPR_API_TOKEN=" + options_.api_token);
    for (const auto& e : options_.extra_env) env.push_back(e);

    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    const auto log = log_file().string();
    const auto workdir = options_.dir.string();

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed test runner takes its sidecars with it
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        if (::chdir(workdir.c_str()) != 0) _exit(126);
        execve(cargv[0], cargv.data(), cenv.data());
        _exit(127);
    }
    if (wait && !wait_healthy(std::chrono::seconds(60))) {
        kill9();
        std::ifstream in(log);
        std::stringstream tail;
        tail << in.rdbuf();
        auto text = tail.str();
        if (text.size() > 4000) text = text.substr(text.size() - 4000);
        throw std::runtime_error("daprd for " + options_.app_id + " did not become healthy within 60 s; its log:\n" +
                                 text);
    }
}

bool DaprSidecar::wait_healthy(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pid_ > 0) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) return false;  // it exited
        }
        if (http_status(http_port_, "/v1.0/healthz") == 204) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

void DaprSidecar::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
}

void DaprSidecar::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::vector<std::string> listening_sockets(pid_t pid) {
    const std::filesystem::path proc = "/proc/" + std::to_string(pid);
    std::set<std::string> inodes;
    for (const auto& fd : std::filesystem::directory_iterator(proc / "fd")) {
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(fd.path(), ec).string();
        if (!ec && target.starts_with("socket:[")) inodes.insert(target.substr(8, target.size() - 9));
    }
    std::vector<std::string> out;
    for (const char* table : {"net/tcp", "net/tcp6"}) {
        std::ifstream in(proc / table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues, timer, retrans, uid, timeout, inode;
            fields >> slot >> local >> remote >> state >> queues >> timer >> retrans >> uid >> timeout >> inode;
            if (state == "0A" && inodes.contains(inode)) out.push_back(decode_address(local));  // 0A: LISTEN
        }
    }
    return out;
}

}  // namespace todoai::testing
