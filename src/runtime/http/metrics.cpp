#include "runtime/http/metrics.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <tuple>
#include <unordered_map>

#include "core/text.hpp"

namespace todoai::http {
namespace {

// Upper bounds (inclusive, as Prometheus' `le`) in nanoseconds; the last bucket is +Inf.
constexpr std::array<std::int64_t, 12> kBoundsNs = {500'000,     1'000'000,   2'500'000,     5'000'000,
                                                    10'000'000,  25'000'000,  50'000'000,    100'000'000,
                                                    250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000};
constexpr std::array<std::string_view, 13> kLe = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                                                  "0.1",    "0.25",  "0.5",    "1",     "2.5",  "+Inf"};

struct KeyView {
    std::string_view method;
    std::string_view route;
    int status;
};

struct Key {
    std::string method;
    std::string route;
    int status;
};

struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const KeyView& k) const noexcept {
        std::size_t h = std::hash<std::string_view>{}(k.route);
        h ^= std::hash<std::string_view>{}(k.method) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h ^= static_cast<std::size_t>(k.status) * 0x9e3779b97f4a7c15ULL;
        return h;
    }
    std::size_t operator()(const Key& k) const noexcept { return (*this)(KeyView{k.method, k.route, k.status}); }
};

struct KeyEq {
    using is_transparent = void;
    static KeyView view(const Key& k) { return {k.method, k.route, k.status}; }
    static KeyView view(const KeyView& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
        const auto x = view(a);
        const auto y = view(b);
        return x.status == y.status && x.route == y.route && x.method == y.method;
    }
};

struct Slot {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
    std::array<std::atomic<std::uint64_t>, kLe.size()> buckets{};  // not cumulative; summed when rendered
};

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_number(std::string& out, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

struct Metrics::Impl {
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    mutable std::shared_mutex mutex;
    // Slots are never removed, so a pointer found under the read lock stays valid after it is released.
    std::unordered_map<Key, std::unique_ptr<Slot>, KeyHash, KeyEq> slots;
    std::vector<std::function<std::string()>> sections;  // added before serving, read-only after

    Slot& slot(std::string_view method, std::string_view route, int status) {
        const KeyView key{method, route, status};
        {
            std::shared_lock lock(mutex);
            if (const auto it = slots.find(key); it != slots.end()) return *it->second;
        }
        std::unique_lock lock(mutex);
        auto& slot = slots[Key{std::string(method), std::string(route), status}];
        if (!slot) slot = std::make_unique<Slot>();
        return *slot;
    }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::observe(std::string_view method, std::string_view route, int status, std::chrono::nanoseconds duration) {
    auto& slot = impl_->slot(method, route, status);
    const auto ns = std::max<std::int64_t>(duration.count(), 0);
    const auto bucket =
        static_cast<std::size_t>(std::lower_bound(kBoundsNs.begin(), kBoundsNs.end(), ns) - kBoundsNs.begin());
    slot.count.fetch_add(1, std::memory_order_relaxed);
    slot.sum_ns.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
    slot.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::add_section(std::function<std::string()> section) { impl_->sections.push_back(std::move(section)); }

std::string Metrics::render() const {
    struct Histogram {
        std::array<std::uint64_t, kLe.size()> buckets{};
        std::uint64_t count = 0;
        std::uint64_t sum_ns = 0;
    };
    // Sorted, so the output is stable between scrapes.
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> counts;
    std::map<std::pair<std::string, std::string>, Histogram> histograms;
    {
        std::shared_lock lock(impl_->mutex);
        for (const auto& [key, slot] : impl_->slots) {
            counts[{key.route, key.method, key.status}] += slot->count.load(std::memory_order_relaxed);
            auto& h = histograms[{key.route, key.method}];
            h.count += slot->count.load(std::memory_order_relaxed);
            h.sum_ns += slot->sum_ns.load(std::memory_order_relaxed);
            for (std::size_t i = 0; i < kLe.size(); ++i)
                h.buckets[i] += slot->buckets[i].load(std::memory_order_relaxed);
        }
    }

    std::string out;
    out.reserve(256 + counts.size() * 120 + histograms.size() * 1600);
    out += "# HELP todoai_http_requests_total HTTP requests by method, route and status.\n";
    out += "# TYPE todoai_http_requests_total counter\n";
    for (const auto& [key, count] : counts) {
        const auto& [route, method, status] = key;
        out += "todoai_http_requests_total{method=\"";
        append_prometheus_label(out, method);
        out += "\",route=\"";
        append_prometheus_label(out, route);
        out += "\",status=\"";
        append_number(out, static_cast<std::uint64_t>(status));
        out += "\"} ";
        append_number(out, count);
        out += '\n';
    }
    out += "# HELP todoai_http_request_duration_seconds HTTP request latency by method and route.\n";
    out += "# TYPE todoai_http_request_duration_seconds histogram\n";
    for (const auto& [key, h] : histograms) {
        std::string labels = "method=\"";
        append_prometheus_label(labels, key.second);
        labels += "\",route=\"";
        append_prometheus_label(labels, key.first);
        labels += '"';
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < kLe.size(); ++i) {
            cumulative += h.buckets[i];
            out += "todoai_http_request_duration_seconds_bucket{";
            out += labels;
            out += ",le=\"";
            out += kLe[i];
            out += "\"} ";
            append_number(out, cumulative);
            out += '\n';
        }
        out += "todoai_http_request_duration_seconds_sum{" + labels + "} ";
        append_number(out, static_cast<double>(h.sum_ns) / 1e9);
        out += "\ntodoai_http_request_duration_seconds_count{" + labels + "} ";
        append_number(out, h.count);
        out += '\n';
    }
    out += "# HELP todoai_process_uptime_seconds Seconds since the process started serving.\n";
    out += "# TYPE todoai_process_uptime_seconds gauge\n";
    out += "todoai_process_uptime_seconds ";
    append_number(out, std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->started).count());
    out += '\n';
    for (const auto& section : impl_->sections) out += section();
    return out;
}

}  // namespace todoai::http
