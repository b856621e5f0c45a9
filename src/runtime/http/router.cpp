#include "runtime/http/router.hpp"

#include <array>
#include <cassert>
#include <cstdint>
#include <exception>
#include <string>

#include "runtime/http/problem.hpp"
#include "runtime/log/log.hpp"

namespace todoai::http {
namespace {

constexpr std::size_t kMethods = static_cast<std::size_t>(Method::other);  // registrable methods
constexpr std::size_t kMaxSegments = 32;

std::size_t index(Method m) { return static_cast<std::size_t>(m); }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decodes one path segment; a malformed escape is kept as is ('+' is not a space in a path).
std::string decode_segment(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// "/" has no segments; "/a/b/" has "a", "b", "". Returns false when there are too many.
bool split(std::string_view path, std::array<std::string_view, kMaxSegments>& out, std::size_t& count) {
    count = 0;
    if (path.empty() || path == "/") return true;
    if (path.front() == '/') path.remove_prefix(1);
    for (;;) {
        if (count == kMaxSegments) return false;
        const auto slash = path.find('/');
        out[count++] = path.substr(0, slash);
        if (slash == std::string_view::npos) return true;
        path.remove_prefix(slash + 1);
    }
}

bool is_param(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

struct Router::Impl {
    ErrorMapper error_mapper;
    Admission admission;
    struct Endpoint {
        Handler handler;
        std::string pattern;
        std::vector<std::string> param_names;
    };

    struct Node {
        std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
        std::unique_ptr<Node> param;
        std::array<std::unique_ptr<Endpoint>, kMethods> endpoints;
        bool terminal = false;

        const Node* literal(std::string_view segment) const {
            for (const auto& [text, child] : literals)
                if (text == segment) return child.get();
            return nullptr;
        }
    };

    struct Match {
        Method method;
        const Endpoint* endpoint = nullptr;
        std::array<std::size_t, kMaxSegments> param_at{};  // segment indexes of the endpoint's parameters
        std::uint32_t allowed = 0;                         // bitmask over Method of path-only matches
        const Endpoint* any = nullptr;                     // first path-only match, for req.route
    };

    Node root;
    std::vector<RouteInfo> routes;

    const Endpoint* endpoint_for(const Node& node, Method m) const {
        if (m == Method::other) return nullptr;
        if (auto* e = node.endpoints[index(m)].get()) return e;
        if (m == Method::head) return node.endpoints[index(Method::get)].get();
        return nullptr;
    }

    // Depth first, literals before the parameter, so "/a/b" beats "/a/{x}" but "/a/{x}/c" still matches "/a/b/c"
    // when "/a/b" has no "c" below it. Stops at the first endpoint for the method.
    bool find(const Node& node,
              const std::array<std::string_view, kMaxSegments>& segs,
              std::size_t count,
              std::size_t i,
              std::array<std::size_t, kMaxSegments>& params,
              std::size_t nparams,
              Match& m) const {
        if (i == count) {
            if (!node.terminal) return false;
            if (const auto* e = endpoint_for(node, m.method)) {
                m.endpoint = e;
                m.param_at = params;
                return true;
            }
            for (std::size_t k = 0; k < kMethods; ++k) {
                if (!node.endpoints[k]) continue;
                m.allowed |= 1u << k;
                if (!m.any) m.any = node.endpoints[k].get();
            }
            return false;
        }
        if (const auto* child = node.literal(segs[i]); child && find(*child, segs, count, i + 1, params, nparams, m))
            return true;
        if (node.param && !segs[i].empty()) {
            params[nparams] = i;
            if (find(*node.param, segs, count, i + 1, params, nparams + 1, m)) return true;
        }
        return false;
    }
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(Method method, std::string pattern, Handler handler) {
    assert(method != Method::other && "cannot route Method::other");
    assert(!pattern.empty() && pattern.front() == '/' && "patterns start with '/'");
    std::array<std::string_view, kMaxSegments> segs;
    std::size_t count = 0;
    [[maybe_unused]] const bool ok = split(pattern, segs, count);
    assert(ok && "pattern has too many segments");

    auto endpoint = std::make_unique<Impl::Endpoint>();
    Impl::Node* node = &impl_->root;
    for (std::size_t i = 0; i < count; ++i) {
        const auto seg = segs[i];
        if (is_param(seg)) {
            if (!node->param) node->param = std::make_unique<Impl::Node>();
            endpoint->param_names.emplace_back(seg.substr(1, seg.size() - 2));
            node = node->param.get();
        } else {
            assert(seg.find_first_of("{}") == std::string_view::npos && "malformed parameter in pattern");
            auto* child = const_cast<Impl::Node*>(node->literal(seg));
            if (!child) {
                node->literals.emplace_back(std::string(seg), std::make_unique<Impl::Node>());
                child = node->literals.back().second.get();
            }
            node = child;
        }
    }
    auto& slot = node->endpoints[index(method)];
    assert(!slot && "route registered twice");
    endpoint->handler = std::move(handler);
    endpoint->pattern = pattern;
    slot = std::move(endpoint);
    node->terminal = true;
    impl_->routes.push_back({method, std::move(pattern)});
}

Response Router::dispatch(Request& req) const {
    std::string_view raw = req.target.empty() ? std::string_view(req.path) : std::string_view(req.target);
    const bool encoded = !req.target.empty();
    if (encoded) raw = raw.substr(0, raw.find_first_of("?#"));

    std::array<std::string_view, kMaxSegments> segs;
    std::size_t count = 0;
    std::array<std::string, kMaxSegments> decoded;  // empty strings: no allocation unless a segment has escapes
    Impl::Match match{req.method};
    if (split(raw, segs, count)) {
        // A trailing slash names the same resource ("/api/u/tasks/" is "/api/u/tasks"): many clients add one.
        if (count > 0 && segs[count - 1].empty()) --count;
        if (encoded && raw.find('%') != std::string_view::npos) {
            for (std::size_t i = 0; i < count; ++i) {
                decoded[i] = decode_segment(segs[i]);
                segs[i] = decoded[i];
            }
        }
        std::array<std::size_t, kMaxSegments> params{};
        impl_->find(impl_->root, segs, count, 0, params, 0, match);
    }

    if (!match.endpoint) {
        if (match.allowed == 0) {
            req.route.clear();
            return to_response(Problem{404, "", "no route for " + std::string(raw)});
        }
        req.route = match.any->pattern;
        if (match.allowed & (1u << index(Method::get))) match.allowed |= 1u << index(Method::head);
        static constexpr std::array kSorted = {Method::del,   Method::get,  Method::head, Method::options,
                                               Method::patch, Method::post, Method::put};
        std::string allow;
        for (const auto m : kSorted) {
            if (!(match.allowed & (1u << index(m)))) continue;
            if (!allow.empty()) allow += ", ";
            allow += to_string(m);
        }
        auto res = to_response(Problem{
            405, "",
            std::string(to_string(req.method)) + " is not allowed on " + match.any->pattern + "; allowed: " + allow});
        res.headers.emplace_back("Allow", std::move(allow));
        return res;
    }

    const auto& e = *match.endpoint;
    req.route = e.pattern;
    req.params.clear();
    for (std::size_t k = 0; k < e.param_names.size(); ++k)
        req.params.emplace_back(e.param_names[k], std::string(segs[match.param_at[k]]));

    try {
        if (impl_->admission)
            if (auto refused = impl_->admission(req)) return std::move(*refused);
        return e.handler(req);
    } catch (const HttpError& err) {
        return to_response(err.problem());
    } catch (const std::exception& err) {
        if (impl_->error_mapper) {
            if (auto problem = impl_->error_mapper(err)) {
                log::warn("handler failed: " + std::string(to_string(req.method)) + " " + e.pattern + " (request " +
                          req.request_id + "): " + err.what());
                return to_response(*problem);
            }
        }
        log::error("handler failed: " + std::string(to_string(req.method)) + " " + e.pattern + " (request " +
                   req.request_id + "): " + err.what());
    } catch (...) {
        log::error("handler failed: " + std::string(to_string(req.method)) + " " + e.pattern + " (request " +
                   req.request_id + "): unknown exception");
    }
    return to_response(Problem{500, "", "internal error; request id " + req.request_id});
}

void Router::set_error_mapper(ErrorMapper mapper) { impl_->error_mapper = std::move(mapper); }

void Router::set_admission(Admission admission) { impl_->admission = std::move(admission); }

std::vector<RouteInfo> Router::routes() const { return impl_->routes; }

}  // namespace todoai::http
