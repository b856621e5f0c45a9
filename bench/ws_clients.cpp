// ws_clients: many concurrent WebSocket clients (issue 4: 2 000 clients all receive their events; RSS growth per
// idle connection <= 20 KB).
//
// Raises RLIMIT_NOFILE to its hard limit, signs up --users users, reads the server's VmRSS (/proc/PID/status),
// opens --clients WebSockets (client k belongs to user k % users; at most --concurrency handshakes in flight), waits
// --idle seconds with all of them open and idle, reads VmRSS again: growth per connection = (after - before) /
// connections. Then creates one task per user and checks that every client receives its user's
// com.todoai.task.created frame exactly once and no other user's event; reports received / expected and the time
// from the first POST to the last arrival. Prints a summary and one line `RESULT key=value ...`.
//
// usage: ws_clients --port P --pid SERVER_PID [--host 127.0.0.1] [--clients 2000] [--users 100] [--concurrency 64]
//                   [--idle 1] [--timeout 10]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_client.hpp"

using namespace todoai::bench;  // net, beast, http, websocket, json, tcp and the shared helpers
using Clock = std::chrono::steady_clock;

namespace {

long vm_kb(const std::string& pid, const std::string& key) {
    std::ifstream f("/proc/" + pid + "/status");
    for (std::string line; std::getline(f, line);)
        if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
    throw std::runtime_error("no " + key + " in /proc/" + pid + "/status");
}

struct Frame {
    std::string type, task_id, user_id;
    Clock::time_point at;
};
struct Client {
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buf;
    std::size_t user = 0;
    bool open = false, closed = false;
    std::vector<Frame> frames;
    explicit Client(net::io_context& ioc) : ws(ioc) {}
};

}  // namespace

int main(int argc, char** argv) try {
    const Args arg(argc, argv);
    const std::string host = arg("host", "127.0.0.1"), port = arg("port", ""), pid = arg("pid", "");
    if (port.empty() || pid.empty()) {
        std::cerr << "usage: ws_clients --port P --pid SERVER_PID [--host H] [--clients 2000] [--users 100] "
                     "[--concurrency 64] [--idle 1] [--timeout 10]\n";
        return 2;
    }
    const std::size_t n_clients = std::stoul(arg("clients", "2000")), n_users = std::stoul(arg("users", "100"));
    const std::size_t concurrency = std::stoul(arg("concurrency", "64"));
    const double idle = std::stod(arg("idle", "1")), timeout = std::stod(arg("timeout", "10"));

    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < n_clients + 64)
        std::cerr << "ws_clients: WARNING RLIMIT_NOFILE is " << rl.rlim_cur << ", below " << n_clients + 64 << "\n";

    HttpConn setup(host, port);
    std::vector<User> users;
    const auto tag = std::to_string(std::random_device{}());
    for (std::size_t u = 0; u < n_users; ++u) {
        users.push_back(sign_up(setup, "clients-" + tag + "-" + std::to_string(u) + "@example.com"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss_before = vm_kb(pid, "VmRSS");

    // Open the clients: one io thread, at most `concurrency` connects + handshakes in flight.
    net::io_context ioc;
    auto guard = net::make_work_guard(ioc);
    const auto endpoints = tcp::resolver(ioc).resolve(host, port);
    std::vector<std::unique_ptr<Client>> clients;
    for (std::size_t k = 0; k < n_clients; ++k) {
        clients.push_back(std::make_unique<Client>(ioc));
        clients.back()->user = k % n_users;
    }
    std::atomic<std::size_t> opened{0}, failed{0}, task_frames{0};
    std::size_t launched = 0;
    std::string first_error;
    std::function<void(std::size_t)> read_next = [&](std::size_t k) {
        auto& c = *clients[k];
        c.ws.async_read(c.buf, [&, k](beast::error_code ec, std::size_t) {
            const auto t = Clock::now();
            auto& c = *clients[k];
            if (ec) {
                if (ec != net::error::operation_aborted) c.closed = true;
                return;
            }
            Frame f{.at = t};
            try {
                const auto ev = json::parse(beast::buffers_to_string(c.buf.data())).as_object();
                f.type = std::string(ev.at("type").as_string());
                const auto& data = ev.at("data").as_object();
                f.task_id = std::string(data.at("task_id").as_string());
                f.user_id = std::string(data.at("user_id").as_string());
            } catch (const std::exception&) {
                f.type = "unparsable";
            }
            if (f.type == "com.todoai.task.created") ++task_frames;
            c.frames.push_back(std::move(f));
            c.buf.consume(c.buf.size());
            read_next(k);
        });
    };
    std::function<void()> launch_next = [&] {
        if (launched >= n_clients) return;
        const std::size_t k = launched++;
        auto fail = [&](beast::error_code ec) {
            if (failed++ == 0) first_error = ec.message();
            launch_next();
        };
        net::async_connect(clients[k]->ws.next_layer(), endpoints, [&, k, fail](beast::error_code ec, const tcp::endpoint&) {
            if (ec) return fail(ec);
            clients[k]->ws.next_layer().set_option(tcp::no_delay(true));
            clients[k]->ws.async_handshake(host + ":" + port, "/ws?token=" + users[clients[k]->user].token,
                                           [&, k, fail](beast::error_code ec) {
                                               if (ec) return fail(ec);
                                               clients[k]->open = true;
                                               ++opened;
                                               read_next(k);
                                               launch_next();
                                           });
        });
    };
    const auto o0 = Clock::now();
    net::post(ioc, [&] {
        for (std::size_t j = 0; j < concurrency; ++j) launch_next();
    });
    std::thread io([&] { ioc.run(); });
    while (opened + failed < n_clients && Clock::now() - o0 < std::chrono::seconds(120))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const double open_s = std::chrono::duration<double>(Clock::now() - o0).count();
    std::this_thread::sleep_for(std::chrono::duration<double>(idle));
    const long rss_after = vm_kb(pid, "VmRSS");
    const std::size_t n_open = opened;
    const double per_conn_kb = n_open ? static_cast<double>(rss_after - rss_before) / static_cast<double>(n_open) : 0;

    // One task per user; every open client must get its user's task.created, once, and nothing of another user.
    std::vector<std::string> expected(n_users);
    std::size_t post_errors = 0;
    const auto p0 = Clock::now();
    for (std::size_t u = 0; u < n_users; ++u) {
        auto res = setup.call(http::verb::post, "/api/" + users[u].id + "/tasks", R"({"title":"fan-out"})", users[u].token);
        if (res.result_int() != 201) {
            ++post_errors;
            continue;
        }
        expected[u] = std::string(json::parse(res.body()).as_object().at("id").as_string());
    }
    const auto p1 = Clock::now();
    while (task_frames < n_open && Clock::now() - p0 < std::chrono::duration<double>(timeout))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // late duplicates or strays
    net::post(ioc, [&] {
        for (auto& c : clients) c->ws.next_layer().cancel();
        guard.reset();
    });
    io.join();

    std::size_t received = 0, dups = 0, foreign = 0, closed = 0, other = 0;
    Clock::time_point last = p0;
    for (const auto& c : clients) {
        if (!c->open) continue;
        closed += c->closed;
        int got = 0;
        for (const auto& f : c->frames) {
            if (f.user_id != users[c->user].id) {
                ++foreign;
            } else if (f.type == "com.todoai.task.created" && f.task_id == expected[c->user]) {
                if (got++ == 0) last = std::max(last, f.at), ++received;
                else ++dups;
            } else {
                ++other;
            }
        }
    }
    std::printf("ws_clients: %zu clients over %zu users; opened %zu in %.2f s, failed %zu%s%s\n", n_clients, n_users,
                n_open, open_s, failed.load(), first_error.empty() ? "" : " (first error: ", first_error.empty() ? "" : (first_error + ")").c_str());
    std::printf("  server VmRSS %ld kB before, %ld kB with all open and idle %.0f s: %+.1f KB per connection\n",
                rss_before, rss_after, idle, per_conn_kb);
    std::printf("  events: %zu tasks posted in %.1f ms (%zu errors); received %zu/%zu, duplicates %zu, another user's %zu, "
                "other %zu, closed by the server %zu; last arrival %.1f ms after the first POST (%.1f ms after the last 201)\n",
                n_users - post_errors, ms(p1 - p0), post_errors, received, n_open, dups, foreign, other, closed,
                ms(last - p0), std::max(0.0, ms(last - p1)));
    std::printf("RESULT clients=%zu opened=%zu failed=%zu open_s=%.2f rss_before_kb=%ld rss_after_kb=%ld "
                "rss_per_conn_kb=%.1f expected=%zu received=%zu duplicates=%zu foreign=%zu closed=%zu "
                "last_ms=%.1f last_after_posts_ms=%.1f posts_ms=%.1f\n",
                n_clients, n_open, failed.load(), open_s, rss_before, rss_after, per_conn_kb, n_open, received, dups,
                foreign, closed, ms(last - p0), std::max(0.0, ms(last - p1)), ms(p1 - p0));
    return n_open == n_clients && received == n_open && dups == 0 && foreign == 0 && post_errors == 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "ws_clients: " << e.what() << "\n";
    return 2;
}
