// ws_latency: event latency, commit -> WebSocket frame at the client (issue 4: p50 <= 1 ms, p99 <= 5 ms at 1 000/s).
//
// Signs up one user, opens one WebSocket (/ws?token=), and POSTs tasks at a fixed rate on one keep-alive HTTP
// connection in another thread, paced by a steady-clock schedule (slot i at start + i/rate; a slot missed because
// the previous request was still in flight is sent at once and counted as late). For each task it measures, to the
// arrival of the matching com.todoai.task.created frame (matched by data.task_id):
//   * commit -> frame: from the moment the POST's 201 was received (the commit happened before it). A frame that
//     arrived before the 201 counts as 0 and is reported (before_201);
//   * send -> frame:   from the moment the request was written (an upper bound of commit -> frame).
// The first --warmup seconds are sent but not recorded. Prints a summary and one line
// `RESULT key=value ...` (bench/events_bench.sh reads it).
//
// usage: ws_latency --port P [--host 127.0.0.1] [--ws-port P2] [--ws-host H2] [--rate 1000] [--seconds 10]
//                   [--warmup 1] [--drain 3] [--senders 1]
// --ws-port/--ws-host: where the WebSocket is, when it is not the REST server (serve websocket in its own process;
// they default to --port/--host). The user signs up and POSTs on --host:--port. --senders N: N keep-alive POST
// connections sharing the schedule (slot i on connection i mod N), for servers whose POST takes ~1 ms or more.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench_client.hpp"

using namespace todoai::bench;  // net, beast, http, websocket, json, tcp and the shared helpers
using Clock = std::chrono::steady_clock;

namespace {

struct Sent {
    std::string id;
    Clock::time_point sent, received;
    bool record;
};

}  // namespace

int main(int argc, char** argv) try {
    const Args arg(argc, argv);
    const std::string host = arg("host", "127.0.0.1"), port = arg("port", "");
    const std::string ws_host = arg("ws-host", host), ws_port = arg("ws-port", port);
    if (port.empty()) {
        std::cerr << "usage: ws_latency --port P [--host H] [--ws-port P2] [--ws-host H2] [--rate 1000] [--seconds 10] "
                     "[--warmup 1] [--drain 3] [--senders 1]\n";
        return 2;
    }
    const double rate = std::stod(arg("rate", "1000"));
    const double seconds = std::stod(arg("seconds", "10")), warmup = std::stod(arg("warmup", "1"));
    const double drain = std::stod(arg("drain", "3"));
    const auto senders = static_cast<std::size_t>(std::max(1, std::stoi(arg("senders", "1"))));

    // Sign up.
    HttpConn setup(host, port);
    const auto email = "ws-latency-" + std::to_string(std::random_device{}()) + "@example.com";
    const User signed_up = sign_up(setup, email);
    const std::string token = signed_up.token;
    const std::string user = signed_up.id;

    // The WebSocket, read in its own thread: arrival time first, then parse.
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    connect_ws(ws, tcp::resolver(ioc).resolve(ws_host, ws_port), ws_host, ws_port, token);
    std::unordered_map<std::string, Clock::time_point> frames;  // task_id -> first task.created arrival
    std::size_t duplicates = 0, other_frames = 0;
    std::string ws_error;
    beast::flat_buffer ws_buf;
    std::function<void()> read_next = [&] {
        ws.async_read(ws_buf, [&](beast::error_code ec, std::size_t) {
            const auto t = Clock::now();
            if (ec) {
                if (ec != net::error::operation_aborted) ws_error = ec.message();
                return;
            }
            try {
                const auto ev = json::parse(beast::buffers_to_string(ws_buf.data())).as_object();
                if (ev.at("type").as_string() == "com.todoai.task.created") {
                    std::string id(ev.at("data").as_object().at("task_id").as_string());
                    if (!frames.emplace(std::move(id), t).second) ++duplicates;
                } else {
                    ++other_frames;
                }
            } catch (const std::exception&) {
                ++other_frames;
            }
            ws_buf.consume(ws_buf.size());
            read_next();
        });
    };
    read_next();
    std::thread reader([&] { ioc.run(); });

    // The senders: one steady-clock schedule, slot i sent by sender i mod --senders, each on its own keep-alive
    // connection (one connection cannot reach 1 000/s when a commit waits for an fsync).
    const auto period = std::chrono::duration<double>(1.0 / rate);
    const auto total = static_cast<std::size_t>(std::llround((seconds + warmup) * rate));
    const auto warm_n = static_cast<std::size_t>(std::llround(warmup * rate));
    struct SenderResult {
        std::vector<Sent> sent;
        std::vector<double> post_ms;
        std::size_t errors = 0, late_slots = 0;
        double behind_max = 0;
        Clock::time_point t_first = Clock::time_point::max(), t_last{};
    };
    std::vector<SenderResult> results(senders);
    const auto start = Clock::now() + std::chrono::milliseconds(200);
    std::vector<std::thread> sender_threads;
    for (std::size_t k = 0; k < senders; ++k) {
        sender_threads.emplace_back([&, k] {
            SenderResult& r = results[k];
            HttpConn conn(host, port);
            const std::string target = "/api/" + user + "/tasks";
            for (std::size_t i = k; i < total; i += senders) {
                const auto slot = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i));
                std::this_thread::sleep_until(slot);
                const auto t0 = Clock::now();
                const double behind = ms(t0 - slot);
                r.behind_max = std::max(r.behind_max, behind);
                if (behind > 1.0) ++r.late_slots;
                conn.send(http::verb::post, target,
                          R"({"title":"latency )" + std::to_string(i) + R"(","priority":"medium"})", token);
                auto res = conn.receive();
                const auto t1 = Clock::now();
                if (i >= warm_n) r.t_first = std::min(r.t_first, t0);
                r.t_last = t1;
                if (res.result_int() != 201) {
                    ++r.errors;
                    continue;
                }
                r.sent.push_back(
                    {std::string(json::parse(res.body()).as_object().at("id").as_string()), t0, t1, i >= warm_n});
                if (i >= warm_n) r.post_ms.push_back(ms(t1 - t0));
            }
        });
    }
    for (auto& t : sender_threads) t.join();
    std::vector<Sent> sent;
    std::vector<double> post_ms;
    std::size_t errors = 0, late_slots = 0;
    double behind_max = 0;
    Clock::time_point t_first = Clock::time_point::max(), t_last{};
    for (auto& r : results) {
        sent.insert(sent.end(), r.sent.begin(), r.sent.end());
        post_ms.insert(post_ms.end(), r.post_ms.begin(), r.post_ms.end());
        errors += r.errors;
        late_slots += r.late_slots;
        behind_max = std::max(behind_max, r.behind_max);
        t_first = std::min(t_first, r.t_first);
        t_last = std::max(t_last, r.t_last);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(drain));
    net::post(ioc, [&] { ws.next_layer().cancel(); });
    reader.join();

    std::vector<double> commit, send;
    std::size_t misses = 0, before_201 = 0, recorded = 0;
    for (const auto& s : sent) {
        if (!s.record) continue;
        ++recorded;
        auto it = frames.find(s.id);
        if (it == frames.end()) {
            ++misses;
            continue;
        }
        double c = ms(it->second - s.received);
        if (c <= 0) ++before_201, c = 0;
        commit.push_back(c);
        send.push_back(ms(it->second - s.sent));
    }
    std::sort(commit.begin(), commit.end());
    std::sort(send.begin(), send.end());
    std::sort(post_ms.begin(), post_ms.end());
    const double span = t_first < t_last ? std::chrono::duration<double>(t_last - t_first).count() : 0;
    const double achieved = span > 0 ? static_cast<double>(recorded + errors) / span : 0;

    std::printf(
        "ws_latency: user %s, target %.0f/s for %.0f s (+%.0f s warm-up not recorded), %zu keep-alive POST "
        "connection(s) to %s:%s, one WebSocket to %s:%s\n",
        user.c_str(), rate, seconds, warmup, senders, host.c_str(), port.c_str(), ws_host.c_str(), ws_port.c_str());
    std::printf(
        "  sent %zu recorded (achieved %.0f/s), HTTP errors %zu, slots sent > 1 ms late %zu (max %.2f ms "
        "behind schedule), POST p50 %.3f ms p99 %.3f ms\n",
        recorded, achieved, errors, late_slots, behind_max, pct(post_ms, .5), pct(post_ms, .99));
    std::printf(
        "  commit->frame (201 received -> frame): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms  (%zu frames "
        "arrived before their 201, counted as 0)\n",
        pct(commit, .5), pct(commit, .9), pct(commit, .99), commit.empty() ? 0 : commit.back(), before_201);
    std::printf("  send->frame   (request written -> frame): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms\n",
                pct(send, .5), pct(send, .9), pct(send, .99), send.empty() ? 0 : send.back());
    std::printf(
        "  matched %zu, misses %zu (no frame %.0f s after the last POST), duplicate frames %zu, other frames "
        "%zu%s%s\n",
        commit.size(), misses, drain, duplicates, other_frames,
        ws_error.empty() ? "" : ", websocket error: ", ws_error.c_str());
    std::printf(
        "RESULT count=%zu misses=%zu duplicates=%zu errors=%zu before_201=%zu achieved_rps=%.0f late_slots=%zu "
        "c_p50_ms=%.3f c_p90_ms=%.3f c_p99_ms=%.3f c_max_ms=%.3f s_p50_ms=%.3f s_p90_ms=%.3f s_p99_ms=%.3f "
        "s_max_ms=%.3f post_p50_ms=%.3f post_p99_ms=%.3f\n",
        commit.size(), misses, duplicates, errors, before_201, achieved, late_slots, pct(commit, .5), pct(commit, .9),
        pct(commit, .99), commit.empty() ? 0 : commit.back(), pct(send, .5), pct(send, .9), pct(send, .99),
        send.empty() ? 0 : send.back(), pct(post_ms, .5), pct(post_ms, .99));
    return misses == 0 && errors == 0 && duplicates == 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "ws_latency: " << e.what() << "\n";
    return 2;
}
