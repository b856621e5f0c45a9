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
// usage: ws_latency --port P [--host 127.0.0.1] [--rate 1000] [--seconds 10] [--warmup 1] [--drain 3]
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

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> a;
    for (int i = 1; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
    return a;
}
std::string arg(const std::map<std::string, std::string>& a, const std::string& k, const std::string& def) {
    auto it = a.find("--" + k);
    return it == a.end() ? def : it->second;
}

// One keep-alive HTTP/1.1 connection, synchronous.
struct HttpConn {
    net::io_context ioc;
    tcp::socket sock{ioc};
    beast::flat_buffer buf;
    std::string host;
    HttpConn(const std::string& h, const std::string& port) : host(h + ":" + port) {
        tcp::resolver r(ioc);
        net::connect(sock, r.resolve(h, port));
        sock.set_option(tcp::no_delay(true));
    }
    void send(http::verb verb, const std::string& target, const std::string& body, const std::string& token) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, host);
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        if (!body.empty()) req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.keep_alive(true);
        req.prepare_payload();
        http::write(sock, req);
    }
    http::response<http::string_body> receive() {
        http::response<http::string_body> res;
        http::read(sock, buf, res);
        return res;
    }
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Nearest-rank percentile of a sorted vector.
double pct(const std::vector<double>& v, double q) {
    if (v.empty()) return 0;
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

struct Sent {
    std::string id;
    Clock::time_point sent, received;
    bool record;
};

}  // namespace

int main(int argc, char** argv) try {
    const auto a = parse_args(argc, argv);
    const std::string host = arg(a, "host", "127.0.0.1"), port = arg(a, "port", "");
    if (port.empty()) {
        std::cerr << "usage: ws_latency --port P [--host H] [--rate 1000] [--seconds 10] [--warmup 1] [--drain 3]\n";
        return 2;
    }
    const double rate = std::stod(arg(a, "rate", "1000"));
    const double seconds = std::stod(arg(a, "seconds", "10")), warmup = std::stod(arg(a, "warmup", "1"));
    const double drain = std::stod(arg(a, "drain", "3"));

    // Sign up.
    HttpConn setup(host, port);
    const auto email = "ws-latency-" + std::to_string(std::random_device{}()) + "@example.com";
    setup.send(http::verb::post, "/api/auth/sign-up",
               json::serialize(json::object{{"email", email}, {"password", "bench-password-1"}, {"name", "Bench"}}), "");
    auto res = setup.receive();
    if (res.result_int() != 201) throw std::runtime_error("sign-up answered " + std::to_string(res.result_int()));
    const auto signed_up = json::parse(res.body()).as_object();
    const std::string token(signed_up.at("token").as_string());
    const std::string user(signed_up.at("user").as_object().at("id").as_string());

    // The WebSocket, read in its own thread: arrival time first, then parse.
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    {
        tcp::resolver r(ioc);
        net::connect(ws.next_layer(), r.resolve(host, port));
        ws.next_layer().set_option(tcp::no_delay(true));
        ws.handshake(host + ":" + port, "/ws?token=" + token);
    }
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

    // The sender: a steady-clock schedule, one keep-alive connection.
    const auto period = std::chrono::duration<double>(1.0 / rate);
    const auto total = static_cast<std::size_t>(std::llround((seconds + warmup) * rate));
    const auto warm_n = static_cast<std::size_t>(std::llround(warmup * rate));
    std::vector<Sent> sent;
    sent.reserve(total);
    std::size_t errors = 0, late_slots = 0;
    double behind_max = 0;
    std::vector<double> post_ms;
    Clock::time_point t_first{}, t_last{};
    std::thread sender([&] {
        HttpConn conn(host, port);
        const std::string target = "/api/" + user + "/tasks";
        const auto start = Clock::now() + std::chrono::milliseconds(200);
        for (std::size_t i = 0; i < total; ++i) {
            const auto slot = start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i));
            std::this_thread::sleep_until(slot);
            const auto t0 = Clock::now();
            const double behind = ms(t0 - slot);
            behind_max = std::max(behind_max, behind);
            if (behind > 1.0) ++late_slots;
            conn.send(http::verb::post, target, R"({"title":"latency )" + std::to_string(i) + R"(","priority":"medium"})",
                      token);
            auto r = conn.receive();
            const auto t1 = Clock::now();
            if (i == warm_n) t_first = t0;
            t_last = t1;
            if (r.result_int() != 201) {
                ++errors;
                continue;
            }
            sent.push_back({std::string(json::parse(r.body()).as_object().at("id").as_string()), t0, t1, i >= warm_n});
            if (i >= warm_n) post_ms.push_back(ms(t1 - t0));
        }
    });
    sender.join();
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
    const double span = std::chrono::duration<double>(t_last - t_first).count();
    const double achieved = span > 0 ? static_cast<double>(recorded + errors) / span : 0;

    std::printf("ws_latency: user %s, target %.0f/s for %.0f s (+%.0f s warm-up not recorded), one keep-alive POST "
                "connection, one WebSocket\n",
                user.c_str(), rate, seconds, warmup);
    std::printf("  sent %zu recorded (achieved %.0f/s), HTTP errors %zu, slots sent > 1 ms late %zu (max %.2f ms "
                "behind schedule), POST p50 %.3f ms p99 %.3f ms\n",
                recorded, achieved, errors, late_slots, behind_max, pct(post_ms, .5), pct(post_ms, .99));
    std::printf("  commit->frame (201 received -> frame): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms  (%zu frames "
                "arrived before their 201, counted as 0)\n",
                pct(commit, .5), pct(commit, .9), pct(commit, .99), commit.empty() ? 0 : commit.back(), before_201);
    std::printf("  send->frame   (request written -> frame): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms\n",
                pct(send, .5), pct(send, .9), pct(send, .99), send.empty() ? 0 : send.back());
    std::printf("  matched %zu, misses %zu (no frame %.0f s after the last POST), duplicate frames %zu, other frames "
                "%zu%s%s\n",
                commit.size(), misses, drain, duplicates, other_frames, ws_error.empty() ? "" : ", websocket error: ",
                ws_error.c_str());
    std::printf("RESULT count=%zu misses=%zu duplicates=%zu errors=%zu before_201=%zu achieved_rps=%.0f late_slots=%zu "
                "c_p50_ms=%.3f c_p90_ms=%.3f c_p99_ms=%.3f c_max_ms=%.3f s_p50_ms=%.3f s_p90_ms=%.3f s_p99_ms=%.3f "
                "s_max_ms=%.3f post_p50_ms=%.3f post_p99_ms=%.3f\n",
                commit.size(), misses, duplicates, errors, before_201, achieved, late_slots, pct(commit, .5),
                pct(commit, .9), pct(commit, .99), commit.empty() ? 0 : commit.back(), pct(send, .5), pct(send, .9),
                pct(send, .99), send.empty() ? 0 : send.back(), pct(post_ms, .5), pct(post_ms, .99));
    return misses == 0 && errors == 0 && duplicates == 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "ws_latency: " << e.what() << "\n";
    return 2;
}
