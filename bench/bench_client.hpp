#pragma once
// Shared by the event benchmarks (ws_latency, reminder_lateness, ws_clients): `--key value` arguments, one
// synchronous keep-alive HTTP/1.1 connection, sign-up, the WebSocket connect, and nearest-rank percentiles.
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace todoai::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;

/// `--key value` pairs from the command line; arg("key", default) answers the value of --key or the default.
class Args {
  public:
    Args(int argc, char** argv) {
        for (int i = 1; i + 1 < argc; i += 2) values_[argv[i]] = argv[i + 1];
    }
    std::string operator()(const std::string& key, const std::string& def) const {
        auto it = values_.find("--" + key);
        return it == values_.end() ? def : it->second;
    }

  private:
    std::map<std::string, std::string> values_;
};

/// One keep-alive HTTP/1.1 connection, synchronous (TCP_NODELAY). send() and receive() apart when the caller times
/// them; call() is both.
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
    http::response<http::string_body> call(http::verb verb,
                                           const std::string& target,
                                           const std::string& body,
                                           const std::string& token) {
        send(verb, target, body, token);
        return receive();
    }
};

struct User {
    std::string id, token;
};

/// Signs up a bench user with `email` (password "bench-password-1", name "Bench"); throws unless 201.
inline User sign_up(HttpConn& conn, const std::string& email) {
    auto res = conn.call(
        http::verb::post, "/api/auth/sign-up",
        json::serialize(json::object{{"email", email}, {"password", "bench-password-1"}, {"name", "Bench"}}), "");
    if (res.result_int() != 201) throw std::runtime_error("sign-up answered " + std::to_string(res.result_int()));
    const auto o = json::parse(res.body()).as_object();
    return {std::string(o.at("user").as_object().at("id").as_string()), std::string(o.at("token").as_string())};
}

/// Connects `ws` to the first reachable of `endpoints` (TCP_NODELAY) and opens the live feed (/ws?token=).
inline void connect_ws(websocket::stream<tcp::socket>& ws,
                       const tcp::resolver::results_type& endpoints,
                       const std::string& host,
                       const std::string& port,
                       const std::string& token) {
    net::connect(ws.next_layer(), endpoints);
    ws.next_layer().set_option(tcp::no_delay(true));
    ws.handshake(host + ":" + port, "/ws?token=" + token);
}

/// Milliseconds, fractional.
inline double ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// Nearest-rank percentile of a sorted vector (0 when empty).
inline double pct(const std::vector<double>& v, double q) {
    if (v.empty()) return 0;
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

}  // namespace todoai::bench
