// The only translation unit that sees Beast and Asio. One coroutine per connection, on its own strand:
// read a request (our own parse loop over beast::http::request_parser, so the timeouts and limits are ours),
// call the handler, write the response, repeat while keep-alive. One request at a time per connection, so
// pipelined requests are answered in order; their bytes wait in the connection's flat_buffer.
#include "runtime/http/server.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "runtime/http/event_stream_connection.hpp"
#include "runtime/http/problem.hpp"
#include "runtime/http/websocket_connection.hpp"
#include "runtime/log/log.hpp"

namespace todoai::http {
namespace {

// The CPUs this process may run on (taskset, cgroup cpusets), not the machine's: one io thread per usable core.
std::size_t usable_cpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

// The connection cap when none is configured: below the process's descriptor limit, keeping an eighth (at least 64)
// for the stores, the bus, logs and the spare descriptor, so a flood of connections cannot starve them.
std::size_t connections_for_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 100'000;
    const auto total = static_cast<std::size_t>(limit.rlim_cur);
    const auto reserve = std::max<std::size_t>(64, total / 8);
    return total > 2 * reserve ? total - reserve : std::max<std::size_t>(1, total / 2);
}

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Strand = net::strand<net::io_context::executor_type>;
using Stream = beast::basic_stream<tcp, Strand>;
using Parser = bhttp::request_parser<bhttp::string_body>;

constexpr auto kAwait = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;

Method to_method(bhttp::verb v) {
    switch (v) {
        case bhttp::verb::get:
            return Method::get;
        case bhttp::verb::head:
            return Method::head;
        case bhttp::verb::post:
            return Method::post;
        case bhttp::verb::put:
            return Method::put;
        case bhttp::verb::patch:
            return Method::patch;
        case bhttp::verb::delete_:
            return Method::del;
        case bhttp::verb::options:
            return Method::options;
        default:
            return Method::other;
    }
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) return false;
    }
    return true;
}

void assign_lower(std::string& out, std::string_view in) {
    out.resize(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
}

bool sane_request_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// A random per-thread prefix and a per-thread counter: unique enough for correlation, no locks, no syscalls.
void generate_request_id(std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    thread_local const std::uint64_t prefix = [] {
        std::random_device rd;
        return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    }();
    thread_local std::uint64_t counter = 0;
    const std::uint64_t n = ++counter;
    out.resize(16 + 1 + 12);
    for (int i = 0; i < 16; ++i) out[i] = kHex[(prefix >> (60 - 4 * i)) & 0xF];
    out[16] = '-';
    for (int i = 0; i < 12; ++i) out[17 + i] = kHex[(n >> (44 - 4 * i)) & 0xF];
}

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Header values come from handlers; a CR or LF would let one smuggle a header or a response.
void append_header_text(std::string& out, std::string_view text) {
    for (const char c : text)
        if (c != '\r' && c != '\n') out += c;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    append_header_text(out, name);
    out += ": ";
    append_header_text(out, value);
    out += "\r\n";
}

std::vector<std::string> split_origins(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        const auto comma = list.find(',');
        auto item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return out;
}

// RFC 9112 §6.1-6.3 and §5.2: framing that a proxy in front of us could read differently from us. Beast reads a request
// whose Transfer-Encoding does not end in chunked as having no body, so what the client meant as its body would be
// parsed as the next request (request smuggling). Each of these is refused, and the connection closed after.
// `head` is the raw header block, for obs-fold, which Beast unfolds silently.
std::optional<std::string> framing_error(const bhttp::request_parser<bhttp::string_body>::value_type& msg,
                                         std::string_view head) {
    std::size_t lengths = 0;
    std::string codings;
    for (const auto& field : msg) {
        if (field.name() == bhttp::field::content_length) ++lengths;
        if (field.name() == bhttp::field::transfer_encoding) {
            if (!codings.empty()) codings += ',';
            codings.append(field.value());
        }
    }
    if (lengths > 1) return "more than one Content-Length header";
    for (auto fold = head.find("\r\n"); fold != std::string_view::npos; fold = head.find("\r\n", fold + 2))
        if (fold + 2 < head.size() && (head[fold + 2] == ' ' || head[fold + 2] == '\t'))
            return "a header line folded onto the next (obs-fold)";
    if (codings.empty()) return std::nullopt;
    if (msg.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
    if (lengths > 0) return "both Content-Length and Transfer-Encoding";
    // Only "chunked", once: a coding we do not decode (gzip, ...) would leave the body unreadable.
    std::string_view list(codings);
    while (!list.empty() && (list.front() == ' ' || list.front() == '\t')) list.remove_prefix(1);
    while (!list.empty() && (list.back() == ' ' || list.back() == '\t')) list.remove_suffix(1);
    if (!iequals(list, "chunked")) return "Transfer-Encoding '" + codings + "' (only chunked is accepted)";
    return std::nullopt;
}

// Over capacity with nothing to shed: a short 503 (best effort, never blocking the acceptor), then close.
template <class Socket>
void refuse(Socket& socket) {
    static const std::string kBusy = [] {
        const std::string body =
            R"({"type":"about:blank","title":"Service Unavailable","status":503,"detail":"too many connections"})";
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\n"
               "Connection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (!ec) socket.write_some(boost::asio::buffer(kBusy), ec);
    socket.close(ec);
}

Response internal_error(std::string_view request_id) {
    return to_response(Problem{500, "", "internal error; request id " + std::string(request_id)});
}

}  // namespace

struct Server::Impl {
    class Session;

    Impl(ServerOptions o, std::function<Response(Request&)> h, Metrics& m)
        : options(std::move(o)),
          handler(std::move(h)),
          metrics(m),
          threads(options.threads ? options.threads : usable_cpus()),
          worker_count(options.worker_threads ? options.worker_threads : std::max<std::size_t>(4, 2 * threads)),
          workers(worker_count),
          ioc(static_cast<int>(threads)),
          control(net::make_strand(ioc)),
          acceptor(control),
          drain_timer(control),
          cors_origins(split_origins(options.cors_origins)) {
        for (const auto& origin : cors_origins)
            if (origin == "*") cors_any = true;
        max_connections = options.max_connections ? options.max_connections : connections_for_descriptor_limit();
        spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    ~Impl() {
        workers.join();
        if (spare_fd >= 0) ::close(spare_fd);
    }

    std::uint16_t listen();
    void run();
    void stop();
    net::awaitable<void> accept_loop();
    bool at_capacity();
    std::size_t connection_count();
    bool shed_one();
    void refuse_with_spare();
    void session_ended(Session* s);
    std::vector<std::shared_ptr<Session>> live_sessions();
    std::vector<std::shared_ptr<detail::ServerWebSocket>> live_websockets();
    void websocket_ended(detail::ServerWebSocket* ws);

    struct WebSocketEndpoint {
        std::string path;
        WebSocketAcceptor acceptor;
        WebSocketOptions options;
    };
    const WebSocketEndpoint* websocket_endpoint(std::string_view path) const {
        for (const auto& endpoint : websocket_endpoints)
            if (endpoint.path == path) return &endpoint;
        return nullptr;
    }

    ServerOptions options;
    std::function<Response(Request&)> handler;
    Metrics& metrics;
    std::size_t threads;
    std::size_t worker_count;
    // Handlers run here, off the io threads, so a slow query or a password hash never delays other connections'
    // reads, writes, or /health. Bounded: past worker_count + worker_queue requests in flight, a 503.
    net::thread_pool workers;
    std::atomic<std::size_t> in_workers{0};
    bool runs_inline(const Request& req) const {
        for (const auto& path : options.inline_paths)
            if (req.path == path) return true;
        return false;
    }
    net::io_context ioc;
    Strand control;  // the acceptor, the drain timer and the stop sequence run here
    tcp::acceptor acceptor;
    net::steady_timer drain_timer;
    std::vector<std::string> cors_origins;
    bool cors_any = false;
    std::atomic<bool> stopping{false};
    std::size_t max_connections;
    int spare_fd = -1;  // closed to accept and refuse one client when descriptors have run out
    std::atomic<std::uint64_t> shed_total{0};

    std::vector<WebSocketEndpoint> websocket_endpoints;  // fixed before listen()

    std::mutex sessions_mutex;  // taken once per connection, never per request
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
    std::unordered_map<detail::ServerWebSocket*, std::weak_ptr<detail::ServerWebSocket>> websockets;
};

class Server::Impl::Session {
  public:
    Session(Impl& server, Stream::socket_type socket) : server_(server), stream_(std::move(socket)) {
        buffer_.reserve(kReadChunk);
        head_.reserve(512);
        req_.headers.reserve(16);
        beast::error_code ec;
        const auto peer = stream_.socket().remote_endpoint(ec);
        if (!ec) req_.remote_address = peer.address().to_string();
    }

    Strand executor() { return stream_.get_executor(); }

    net::awaitable<void> run(std::shared_ptr<Session> self);

    // On the session's strand when the server stops: a connection waiting for its next request closes now; one in
    // the middle of a request finishes it, and its response says Connection: close.
    void on_stop() {
        if (!in_request_) close();
    }

    void close() { stream_.close(); }

    bool shed() const { return shed_.load(std::memory_order_relaxed); }
    void mark_shed() { shed_.store(true, std::memory_order_relaxed); }

  private:
    enum class ReadResult { ok, closed, rejected };
    enum class Upgrade { none, refused, done };

    net::awaitable<ReadResult> read_request();
    ReadResult reject(beast::error_code ec);
    ReadResult reject_framing(std::string reason);
    void start_request();
    bool build_request();
    Response call_handler();
    net::awaitable<Response> call_handler_on_worker();
    std::optional<Response> apply_cors();
    void build_head(const Response& res, bool keep_alive, bool no_body);
    void finish(const Response& res, std::chrono::steady_clock::time_point started);
    net::awaitable<void> linger_close();
    Upgrade try_websocket(Response& refusal);
    bool start_stream(Response& res);

    Impl& server_;
    Stream stream_;
    beast::flat_buffer buffer_;  // kept across requests: holds pipelined bytes of the next one
    std::optional<Parser> parser_;
    Request req_;  // reused, so its strings and vectors keep their capacity
    std::string head_;
    std::string cors_origin_;  // the Access-Control-Allow-Origin value for this request, empty = none
    Problem rejection_;
    bool in_request_ = false;
    unsigned version_ = 11;
    std::chrono::steady_clock::time_point deadline_;  // of the request being read

  public:
    // What the connection is doing, read by the acceptor's strand when it must shed a connection (connection cap).
    enum class Phase : int { idle, reading, handling };
    Phase phase() const { return static_cast<Phase>(phase_.load(std::memory_order_relaxed)); }
    std::int64_t phase_since() const { return phase_since_.load(std::memory_order_relaxed); }

  private:
    void set_phase(Phase p) {
        phase_.store(static_cast<int>(p), std::memory_order_relaxed);
        phase_since_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    }
    std::atomic<bool> shed_{false};
    std::atomic<int> phase_{static_cast<int>(Phase::idle)};
    std::atomic<std::int64_t> phase_since_{std::chrono::steady_clock::now().time_since_epoch().count()};
};

net::awaitable<void> Server::Impl::Session::run(std::shared_ptr<Session> self) {
    try {
        for (;;) {
            const auto result = co_await read_request();
            if (result == ReadResult::closed) break;
            set_phase(Phase::handling);  // never shed from here until the response is written
            const auto started = std::chrono::steady_clock::now();

            Response res;
            bool keep_alive = false;
            if (result == ReadResult::rejected) {
                res = to_response(rejection_);
            } else if (!build_request()) {
                res = to_response(Problem{400, "", "malformed request target"});
            } else if (const auto upgrade = try_websocket(res); upgrade == Upgrade::done) {
                finish(Response::empty(101), started);
                break;  // the socket now belongs to the WebSocket connection
            } else if (upgrade == Upgrade::none) {
                auto preflight = apply_cors();
                if (preflight)
                    res = std::move(*preflight);
                else if (server_.runs_inline(req_))
                    res = call_handler();
                else
                    res = co_await call_handler_on_worker();
                keep_alive = parser_->get().keep_alive() && !server_.stopping.load(std::memory_order_relaxed);
                if (res.stream && start_stream(res)) {
                    finish(res, started);
                    break;  // the socket now belongs to the event stream
                }
            }  // else refused: `res` holds the answer, and the connection closes after it

            const bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
            build_head(res, keep_alive, no_body);
            stream_.expires_after(server_.options.read_timeout);
            beast::error_code ec;
            if (no_body || req_.method == Method::head) {
                std::tie(ec, std::ignore) = co_await net::async_write(stream_, net::buffer(head_), kAwait);
            } else {
                const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(res.body)};
                std::tie(ec, std::ignore) = co_await net::async_write(stream_, buffers, kAwait);
            }
            finish(res, started);
            in_request_ = false;
            set_phase(Phase::idle);
            if (ec) break;
            if (!keep_alive) {
                co_await linger_close();
                break;
            }
        }
    } catch (const std::exception& e) {
        log::error(std::string("http connection failed: ") + e.what());
    }
    close();
    server_.session_ended(this);
    (void)self;  // keeps the session alive until here
}

net::awaitable<Server::Impl::Session::ReadResult> Server::Impl::Session::read_request() {
    const auto& options = server_.options;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(options.header_limit, UINT32_MAX)));
    parser_->body_limit(options.body_limit);
    in_request_ = buffer_.size() > 0;
    version_ = 11;
    cors_origin_.clear();

    // The header: idle timeout until the first byte; from then on the whole request (header and body) has until one
    // deadline, so a client trickling a byte at a time cannot hold the connection past read_timeout.
    if (in_request_) start_request();
    std::optional<std::string> framing;
    for (;;) {
        if (buffer_.size() > 0) {
            beast::error_code ec;
            const auto n = parser_->put(buffer_.data(), ec);
            if (!ec && parser_->is_header_done()) {
                const auto* bytes = static_cast<const char*>(buffer_.data().data());
                framing = framing_error(parser_->get(), std::string_view(bytes, n));
            }
            buffer_.consume(n);
            if (ec && ec != bhttp::error::need_more) co_return reject(ec);
            if (parser_->is_header_done()) break;
            if (!ec && n > 0 && buffer_.size() > 0) continue;
        }
        if (!in_request_ && server_.stopping.load(std::memory_order_relaxed)) co_return ReadResult::closed;
        if (in_request_)
            stream_.expires_at(deadline_);
        else
            stream_.expires_after(options.idle_timeout);
        const auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kAwait);
        if (ec) co_return ReadResult::closed;  // end of stream, timeout, reset, stop
        buffer_.commit(n);
        if (!in_request_) start_request();
        in_request_ = true;
    }

    version_ = parser_->get().version() == 10 ? 10 : 11;
    if (framing) co_return reject_framing(std::move(*framing));
    if (const auto length = parser_->content_length(); length && *length > options.body_limit)
        co_return reject(bhttp::error::body_limit);
    if (parser_->is_done()) co_return ReadResult::ok;

    // The body, decided to be acceptable so far: a client waiting for 100-continue gets it now.
    const auto expect = parser_->get()[bhttp::field::expect];
    if (iequals(expect, "100-continue") && version_ == 11) {
        stream_.expires_at(deadline_);
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        const auto [ec, n] = co_await net::async_write(stream_, net::buffer(kContinue), kAwait);
        if (ec) co_return ReadResult::closed;
    }
    parser_->eager(true);
    for (;;) {
        if (buffer_.size() > 0) {
            beast::error_code ec;
            const auto n = parser_->put(buffer_.data(), ec);
            buffer_.consume(n);
            if (ec && ec != bhttp::error::need_more) co_return reject(ec);
            if (parser_->is_done()) break;
            if (!ec && n > 0 && buffer_.size() > 0) continue;
        }
        stream_.expires_at(deadline_);
        const auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kAwait);
        if (ec) co_return ReadResult::closed;
        buffer_.commit(n);
    }
    co_return ReadResult::ok;
}

// A request we refuse to parse further: answered, then the connection closes (its remaining bytes are unusable).
Server::Impl::Session::ReadResult Server::Impl::Session::reject(beast::error_code ec) {
    const auto& options = server_.options;
    rejection_ = Problem{};
    if (ec == bhttp::error::header_limit) {
        rejection_.status = 431;
        rejection_.detail = "request header exceeds " + std::to_string(options.header_limit) + " bytes";
    } else if (ec == bhttp::error::body_limit) {
        rejection_.status = 413;
        rejection_.detail = "request body exceeds " + std::to_string(options.body_limit) + " bytes";
    } else {
        rejection_.status = 400;
        rejection_.detail = "malformed HTTP request: " + ec.message();
    }
    rejection_.title = status_title(rejection_.status);
    req_.method = to_method(parser_->get().method());  // unknown (other) when the request line was unreadable
    req_.target.clear();
    req_.path.clear();
    req_.route.clear();
    generate_request_id(req_.request_id);
    return ReadResult::rejected;
}

Server::Impl::Session::ReadResult Server::Impl::Session::reject_framing(std::string reason) {
    reject(bhttp::error::bad_transfer_encoding);
    rejection_.detail = "ambiguous request framing: " + reason + "; the connection is closed";
    return ReadResult::rejected;
}

void Server::Impl::Session::start_request() {
    deadline_ = std::chrono::steady_clock::now() + server_.options.read_timeout;
    set_phase(Phase::reading);
}

bool Server::Impl::Session::build_request() {
    namespace urls = boost::urls;
    auto& msg = parser_->get();
    req_.method = to_method(msg.method());
    req_.target.assign(msg.target());
    req_.route.clear();
    req_.params.clear();

    std::size_t i = 0;
    for (const auto& field : msg) {
        if (i == req_.headers.size()) req_.headers.emplace_back();
        assign_lower(req_.headers[i].first, field.name_string());
        req_.headers[i].second.assign(field.value());
        ++i;
    }
    req_.headers.resize(i);
    req_.body = std::move(msg.body());

    const auto id = msg["X-Request-Id"];
    if (sane_request_id(id))
        req_.request_id.assign(id);
    else
        generate_request_id(req_.request_id);

    const auto url = urls::parse_origin_form(req_.target);
    if (!url) {
        req_.path.clear();
        req_.query.clear();
        return false;
    }
    url->encoded_path().decode({}, urls::string_token::assign_to(req_.path));
    urls::encoding_opts plus_is_space;
    plus_is_space.space_as_plus = true;
    i = 0;
    for (const auto param : url->encoded_params()) {
        if (i == req_.query.size()) req_.query.emplace_back();
        param.key.decode(plus_is_space, urls::string_token::assign_to(req_.query[i].first));
        if (param.has_value)
            param.value.decode(plus_is_space, urls::string_token::assign_to(req_.query[i].second));
        else
            req_.query[i].second.clear();
        ++i;
    }
    req_.query.resize(i);
    return true;
}

// A request for a registered WebSocket path: not an upgrade -> 426; the acceptor's HttpError -> its problem (e.g.
// 401), answered without upgrading; accepted -> the socket is handed to a WebSocket connection. Bytes the client
// sent after the upgrade request, before our 101, are not carried over (a client must wait for the 101).
Server::Impl::Session::Upgrade Server::Impl::Session::try_websocket(Response& refusal) {
    const auto* endpoint = server_.websocket_endpoint(req_.path);
    if (endpoint == nullptr) return Upgrade::none;
    req_.route = endpoint->path;
    if (req_.method != Method::get || !beast::websocket::is_upgrade(parser_->get())) {
        refusal = to_response(Problem{426, "", "this endpoint only speaks WebSocket; send a GET upgrade request"});
        refusal.headers.emplace_back("Upgrade", "websocket");
        return Upgrade::refused;
    }
    if (server_.stopping.load(std::memory_order_relaxed)) {
        refusal = to_response(Problem{503, "", "the server is shutting down"});
        return Upgrade::refused;
    }
    WebSocketAccept accepted;
    try {
        accepted = endpoint->acceptor(req_);
    } catch (const HttpError& e) {
        refusal = to_response(e.problem());
        return Upgrade::refused;
    } catch (const std::exception& e) {
        log::error("websocket acceptor failed: " + req_.path + " (request " + req_.request_id + "): " + e.what());
        refusal = internal_error(req_.request_id);
        return Upgrade::refused;
    }
    if (!accepted.session) {
        log::error("websocket acceptor returned no session: " + req_.path);
        refusal = internal_error(req_.request_id);
        return Upgrade::refused;
    }
    Impl& server = server_;
    auto connection = detail::start_websocket(stream_.release_socket(), req_, std::move(accepted), endpoint->options,
                                              [&server](detail::ServerWebSocket* ws) { server.websocket_ended(ws); });
    std::lock_guard lock(server.sessions_mutex);
    server.websockets.emplace(connection.get(), connection);
    return Upgrade::done;
}

// A handler's event stream response (a GET answered 200): the head is written by the stream, which then owns the
// socket. Anything else with a stream attached (HEAD, an error status) is answered as an ordinary response, and a
// stream asked for while the server stops is a 503, as for a WebSocket.
bool Server::Impl::Session::start_stream(Response& res) {
    if (req_.method != Method::get || res.status != 200) {
        res.stream.reset();
        return false;
    }
    if (server_.stopping.load(std::memory_order_relaxed)) {
        res = to_response(Problem{503, "", "the server is shutting down"});
        return false;
    }
    build_head(res, false, false);
    Impl& server = server_;
    auto connection =
        detail::start_event_stream(stream_.release_socket(), std::move(head_), *res.stream,
                                   [&server](detail::ServerWebSocket* ws) { server.websocket_ended(ws); });
    std::lock_guard lock(server.sessions_mutex);
    server.websockets.emplace(connection.get(), connection);
    return true;
}

net::awaitable<Response> Server::Impl::Session::call_handler_on_worker() {
    const auto limit = server_.worker_count + server_.options.worker_queue;
    if (server_.in_workers.fetch_add(1, std::memory_order_relaxed) >= limit) {
        server_.in_workers.fetch_sub(1, std::memory_order_relaxed);
        auto busy = to_response(Problem{503, "", "every worker is busy; retry shortly"});
        busy.headers.emplace_back("Retry-After", "1");
        co_return busy;
    }
    // The handler runs on a worker; this coroutine resumes on the connection's strand when it returns.
    auto res = co_await net::co_spawn(
        server_.workers, [this]() -> net::awaitable<Response> { co_return call_handler(); }, net::use_awaitable);
    server_.in_workers.fetch_sub(1, std::memory_order_relaxed);
    co_return res;
}

Response Server::Impl::Session::call_handler() {
    try {
        return server_.handler(req_);
    } catch (const HttpError& e) {
        return to_response(e.problem());
    } catch (const std::exception& e) {
        log::error("handler failed: " + std::string(to_string(req_.method)) + " " + req_.path + " (request " +
                   req_.request_id + "): " + e.what());
    } catch (...) {
        log::error("handler failed: " + std::string(to_string(req_.method)) + " " + req_.path + " (request " +
                   req_.request_id + "): unknown exception");
    }
    return internal_error(req_.request_id);
}

// Sets cors_origin_ for an allowed Origin; answers a preflight itself.
std::optional<Response> Server::Impl::Session::apply_cors() {
    if (server_.cors_origins.empty()) return std::nullopt;
    const auto origin = req_.header("origin");
    if (!origin) return std::nullopt;
    bool allowed = server_.cors_any;
    for (std::size_t k = 0; !allowed && k < server_.cors_origins.size(); ++k)
        allowed = server_.cors_origins[k] == *origin;
    if (!allowed) return std::nullopt;
    cors_origin_.assign(server_.cors_any ? std::string_view("*") : *origin);
    if (req_.method != Method::options || !req_.header("access-control-request-method")) return std::nullopt;
    auto res = Response::empty(204);
    res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    res.headers.emplace_back("Access-Control-Allow-Headers",
                             "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id");
    res.headers.emplace_back("Access-Control-Max-Age", "600");
    req_.route = "(preflight)";
    return res;
}

void Server::Impl::Session::build_head(const Response& res, bool keep_alive, bool no_body) {
    head_.clear();
    head_ += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_number(head_, static_cast<std::uint64_t>(res.status));
    head_ += ' ';
    head_ += status_title(res.status);
    head_ += "\r\nServer: todoai\r\n";
    if (res.stream) {
        append_header(head_, "Content-Type", res.content_type);  // the body ends when the connection does
    } else if (!no_body) {
        if (!res.content_type.empty()) append_header(head_, "Content-Type", res.content_type);
        head_ += "Content-Length: ";
        append_number(head_, res.body.size());
        head_ += "\r\n";
    }
    append_header(head_, "X-Request-Id", req_.request_id);
    for (const auto& [name, value] : res.headers) {
        // The server owns framing and these; a handler's copy would contradict them.
        if (iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection") ||
            iequals(name, "server") || iequals(name, "x-request-id") || iequals(name, "content-type"))
            continue;
        append_header(head_, name, value);
    }
    if (!cors_origin_.empty()) {
        append_header(head_, "Access-Control-Allow-Origin", cors_origin_);
        head_ +=
            "Access-Control-Expose-Headers: ETag, Location, Link, X-Next-Cursor, WWW-Authenticate, X-Request-Id\r\n";
        if (!server_.cors_any) head_ += "Vary: Origin\r\n";
    }
    if (!keep_alive)
        head_ += "Connection: close\r\n";
    else if (version_ == 10)
        head_ += "Connection: keep-alive\r\n";
    head_ += "\r\n";
}

void Server::Impl::Session::finish(const Response& res, std::chrono::steady_clock::time_point started) {
    const auto duration = std::chrono::steady_clock::now() - started;
    const auto method = to_string(req_.method);
    const std::string_view route = req_.route.empty() ? std::string_view("unmatched") : std::string_view(req_.route);
    server_.metrics.observe(method, route, res.status, duration);
    if (server_.options.access_log) log::request(method, req_.path, route, res.status, duration, req_.request_id);
}

// After a response with Connection: close: half-close, then drain what the client still sends for a moment, so
// closing with unread bytes does not reset the connection before the client has read our response.
net::awaitable<void> Server::Impl::Session::linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    stream_.expires_after(
        std::min<std::chrono::milliseconds>(server_.options.read_timeout, std::chrono::milliseconds(500)));
    std::size_t drained = 0;
    while (drained < 1024 * 1024) {
        buffer_.clear();
        const auto [read_ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kAwait);
        if (read_ec) break;
        drained += n;
    }
}

std::uint16_t Server::Impl::listen() {
    const auto fail = [&](const beast::error_code& ec) {
        beast::error_code ignored;
        acceptor.close(ignored);
        return std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                                  ec.message());
    };
    beast::error_code ec;
    tcp::endpoint endpoint;
    const auto address = net::ip::make_address(options.host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(address, options.port);
    } else {
        tcp::resolver resolver(ioc);
        const auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
        if (ec) throw fail(ec);
        if (results.empty()) throw fail(net::error::host_not_found);
        endpoint = *results.begin();
    }
    acceptor.open(endpoint.protocol(), ec);
    if (ec) throw fail(ec);
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) throw fail(ec);
    acceptor.bind(endpoint, ec);
    if (ec) throw fail(ec);
    acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw fail(ec);
    const auto port = acceptor.local_endpoint(ec).port();
    if (ec) throw fail(ec);
    net::co_spawn(control, accept_loop(), net::detached);
    return port;
}

net::awaitable<void> Server::Impl::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kAwait);
        if (stopping.load() || ec == net::error::operation_aborted || !acceptor.is_open()) break;
        if (ec) {
            // Out of descriptors (the cap sits below the limit, but stores and the bus open files too): free one by
            // shedding a connection, or refuse the waiting client with the spare descriptor, then back off briefly.
            const bool descriptors =
                ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
            if (!descriptors || !shed_one()) {
                log::warn("http accept failed: " + ec.message());
                if (descriptors) refuse_with_spare();
            }
            net::steady_timer pause(control, std::chrono::milliseconds(descriptors ? 5 : 50));
            co_await pause.async_wait(kAwait);
            continue;
        }
        if (at_capacity() && !shed_one()) {
            refuse(socket);
            continue;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto session = std::make_shared<Session>(*this, std::move(socket));
        {
            std::lock_guard lock(sessions_mutex);
            sessions.emplace(session.get(), session);
        }
        auto executor = session->executor();
        net::co_spawn(executor, session->run(session), net::detached);
    }
}

std::size_t Server::Impl::connection_count() {
    std::lock_guard lock(sessions_mutex);
    std::size_t live = websockets.size();
    for (const auto& [ptr, weak] : sessions)
        if (!ptr->shed()) ++live;
    return live;
}

bool Server::Impl::at_capacity() {
    {
        std::lock_guard lock(sessions_mutex);
        if (sessions.size() + websockets.size() < max_connections) return false;
    }
    return connection_count() >= max_connections;
}

// Frees a slot for a new client: the connection idle longest, else the one slowest to send its request (a trickling
// client). A request being handled is never cut; WebSockets are not shed (they passed authentication).
bool Server::Impl::shed_one() {
    std::shared_ptr<Session> victim;
    {
        std::lock_guard lock(sessions_mutex);
        Session* best = nullptr;
        for (const auto& [ptr, weak] : sessions) {
            if (ptr->shed() || ptr->phase() == Session::Phase::handling) continue;
            const auto rank = [](const Session* s) {
                return std::pair(s->phase() != Session::Phase::idle, s->phase_since());
            };
            if (best == nullptr || rank(ptr) < rank(best)) best = ptr;
        }
        if (best != nullptr) victim = sessions[best].lock();
    }
    if (!victim) return false;
    victim->mark_shed();
    shed_total.fetch_add(1, std::memory_order_relaxed);
    net::post(victim->executor(), [victim] { victim->close(); });
    return true;
}

void Server::Impl::refuse_with_spare() {
    if (spare_fd < 0) return;
    ::close(spare_fd);
    beast::error_code ec;
    acceptor.non_blocking(true, ec);
    tcp::socket socket(ioc);
    acceptor.accept(socket, ec);
    if (!ec) refuse(socket);
    spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

std::vector<std::shared_ptr<Server::Impl::Session>> Server::Impl::live_sessions() {
    std::vector<std::shared_ptr<Session>> out;
    std::lock_guard lock(sessions_mutex);
    out.reserve(sessions.size());
    for (const auto& [ptr, weak] : sessions)
        if (auto s = weak.lock()) out.push_back(std::move(s));
    return out;
}

void Server::Impl::session_ended(Session* s) {
    bool last = false;
    {
        std::lock_guard lock(sessions_mutex);
        sessions.erase(s);
        last = sessions.empty() && websockets.empty() && stopping.load();
    }
    if (last) net::post(control, [this] { drain_timer.cancel(); });
}

std::vector<std::shared_ptr<detail::ServerWebSocket>> Server::Impl::live_websockets() {
    std::vector<std::shared_ptr<detail::ServerWebSocket>> out;
    std::lock_guard lock(sessions_mutex);
    out.reserve(websockets.size());
    for (const auto& [ptr, weak] : websockets)
        if (auto ws = weak.lock()) out.push_back(std::move(ws));
    return out;
}

void Server::Impl::websocket_ended(detail::ServerWebSocket* ws) {
    bool last = false;
    {
        std::lock_guard lock(sessions_mutex);
        websockets.erase(ws);
        last = sessions.empty() && websockets.empty() && stopping.load();
    }
    if (last) net::post(control, [this] { drain_timer.cancel(); });
}

void Server::Impl::stop() {
    if (stopping.exchange(true)) return;
    net::post(control, [this] {
        beast::error_code ignored;
        acceptor.close(ignored);
        auto live = live_sessions();
        auto live_ws = live_websockets();
        if (live.empty() && live_ws.empty()) return;
        for (auto& s : live) net::post(s->executor(), [s] { s->on_stop(); });
        for (auto& ws : live_ws) ws->close(1001, "server shutting down");  // going away
        drain_timer.expires_after(options.drain_timeout);
        drain_timer.async_wait([this](beast::error_code ec) {
            if (ec) return;  // every session ended in time
            auto left = live_sessions();
            auto left_ws = live_websockets();
            if (!left.empty() || !left_ws.empty())
                log::warn("http drain timeout: closing " + std::to_string(left.size() + left_ws.size()) +
                          " connections");
            for (auto& s : left) net::post(s->executor(), [s] { s->close(); });
            for (auto& ws : left_ws) ws->abort();
        });
    });
}

void Server::Impl::run() {
    std::vector<std::thread> extra;
    extra.reserve(threads - 1);
    for (std::size_t i = 1; i < threads; ++i) extra.emplace_back([this] { ioc.run(); });
    ioc.run();
    for (auto& t : extra) t.join();
}

Server::Server(ServerOptions options, std::function<Response(Request&)> handler, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), metrics)) {}

Server::~Server() = default;

void Server::add_websocket(std::string path, WebSocketAcceptor acceptor, WebSocketOptions options) {
    impl_->websocket_endpoints.push_back({std::move(path), std::move(acceptor), options});
}

std::uint16_t Server::listen() { return impl_->listen(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }

std::size_t Server::open_connections() const { return impl_->connection_count(); }

}  // namespace todoai::http
