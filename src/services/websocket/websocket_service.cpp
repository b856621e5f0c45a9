#include "services/websocket/websocket_service.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "core/time.hpp"
#include "runtime/auth/request_auth.hpp"
#include "runtime/http/event_stream.hpp"
#include "runtime/http/problem.hpp"
#include "runtime/log/log.hpp"
#include "runtime/pubsub/processed_events.hpp"
#include "services/websocket/feed_event.hpp"
#include "services/websocket/recent_events.hpp"

namespace todoai::websocket {
namespace {

constexpr std::string_view kBearerPrefix = "bearer.";
constexpr std::uint64_t kPruneEvery = 256;   // inserts between two prunes
constexpr std::size_t kLatePushWindow = 64;  // replayed ids remembered against a late push (see FeedSession)

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

class FeedSession;

// How a connection carries an event: a WebSocket text frame is the CloudEvent itself; an event stream frame adds the
// id (so the client's Last-Event-ID resumes the replay) in the SSE wire format.
enum class Framing { websocket, event_stream };

std::shared_ptr<const std::string> make_frame(Framing framing, std::string_view event_id, std::string payload) {
    if (framing == Framing::websocket) return std::make_shared<const std::string>(std::move(payload));
    return std::make_shared<const std::string>(http::event_stream_frame(event_id, "", payload));
}

struct detail::FeedCore {
    FeedCore(store::Database& d, const Clock& c, const auth::JwtCodec& j, WebSocketServiceOptions o)
        : db(d), clock(c), jwt(j), options(o) {}

    void add(const std::string& user_id, std::weak_ptr<FeedSession> session);
    void remove(const std::string& user_id, const FeedSession* session);
    void push(const std::string& user_id, const std::string& event_id, const std::string& payload);

    store::Database& db;
    const Clock& clock;
    const auth::JwtCodec& jwt;
    WebSocketServiceOptions options;
    std::atomic<std::uint64_t> inserted{0};

    // The hub (chat-multi's shared_state): user -> sessions. push() copies under the lock and sends after it.
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<std::weak_ptr<FeedSession>>> sessions;
};

// One connection's side of the feed. Registered in the hub when the upgrade is accepted, so nothing published
// between the acceptor and on_open is missed: until the replay is done, live events are buffered.
class FeedSession final : public http::WebSocketSession, public std::enable_shared_from_this<FeedSession> {
  public:
    FeedSession(std::shared_ptr<detail::FeedCore> core,
                std::string user_id,
                std::optional<std::string> after,
                Framing framing)
        : core_(std::move(core)), user_id_(std::move(user_id)), after_(std::move(after)), framing_(framing) {}

    const std::string& user_id() const { return user_id_; }
    Framing framing() const { return framing_; }

    void on_open(std::shared_ptr<http::WebSocketConnection> connection) override;
    void on_message(std::string_view) override {}  // the feed is server -> client; a client's pings are ignored
    void on_close() override;

    // From the bus thread.
    void deliver(const std::string& event_id, const std::shared_ptr<const std::string>& frame);

  private:
    void replay();

    std::shared_ptr<detail::FeedCore> core_;
    const std::string user_id_;
    std::optional<std::string> after_;
    const Framing framing_;

    std::mutex mutex_;  // orders the replay against live events; held while queueing frames (send() never blocks)
    std::shared_ptr<http::WebSocketConnection> connection_;
    bool live_ = false;
    bool overflowed_ = false;  // too many live events arrived before the replay finished
    std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> buffered_;  // (event id, frame) until live_
    // The newest replayed ids: an event committed just before the replay read it may still be on its way to push()
    // (the handler pushes after its commit); its late push must not send it twice.
    std::deque<std::string> recently_replayed_;
};

void detail::FeedCore::add(const std::string& user_id, std::weak_ptr<FeedSession> session) {
    std::lock_guard lock(mutex);
    auto& list = sessions[user_id];
    std::erase_if(list, [](const auto& w) { return w.expired(); });  // upgrades that never opened
    list.push_back(std::move(session));
}

void detail::FeedCore::remove(const std::string& user_id, const FeedSession* session) {
    std::lock_guard lock(mutex);
    const auto it = sessions.find(user_id);
    if (it == sessions.end()) return;
    std::erase_if(it->second, [&](const auto& w) {
        const auto s = w.lock();
        return !s || s.get() == session;
    });
    if (it->second.empty()) sessions.erase(it);
}

void detail::FeedCore::push(const std::string& user_id, const std::string& event_id, const std::string& payload) {
    std::vector<std::weak_ptr<FeedSession>> targets;
    {
        std::lock_guard lock(mutex);
        const auto it = sessions.find(user_id);
        if (it == sessions.end()) return;
        targets = it->second;
    }
    // One copy of each framing for all of the user's connections, freed once the last has written it.
    std::shared_ptr<const std::string> frames[2];
    for (const auto& weak : targets) {
        auto session = weak.lock();
        if (!session) continue;
        auto& frame = frames[static_cast<int>(session->framing())];
        if (!frame) frame = make_frame(session->framing(), event_id, payload);
        session->deliver(event_id, frame);
    }
}

void FeedSession::on_open(std::shared_ptr<http::WebSocketConnection> connection) {
    {
        std::lock_guard lock(mutex_);
        connection_ = std::move(connection);
    }
    replay();
}

void FeedSession::replay() {
    std::optional<std::vector<StoredEvent>> missed;
    std::string resync;
    if (after_) {
        // Replayed and buffered frames together stay within the send queue (else the client would get 1008).
        const auto max_replay = std::min(core_->options.max_replay, core_->options.send_queue_limit / 2);
        const auto limit = static_cast<std::int64_t>(max_replay) + 1;
        try {
            auto tx = core_->db.begin(store::Database::Access::read);
            missed = recent_events_after(*tx, core_->options.consumer, user_id_, *after_, limit);
            if (!missed)
                resync = "unknown or expired event id '" + after_->substr(0, kMaxIdLength) + "'; reload";
            else if (missed->size() > max_replay)
                resync = "more than " + std::to_string(max_replay) + " missed events; reload";
        } catch (const store::StoreError& e) {
            log::warn(std::string("websocket replay failed: ") + e.what());
            resync = "missed events are unavailable; reload";
        }
        if (!resync.empty()) missed.reset();
    }

    std::lock_guard lock(mutex_);
    if (!connection_) return;
    std::unordered_set<std::string> sent;
    if (!resync.empty()) connection_->send(make_frame(framing_, "", resync_message(resync)));
    if (missed) {
        sent.reserve(missed->size());
        for (auto& event : *missed) {
            connection_->send(make_frame(framing_, event.event_id, std::move(event.payload)));
            recently_replayed_.push_back(event.event_id);
            if (recently_replayed_.size() > kLatePushWindow) recently_replayed_.pop_front();
            sent.insert(std::move(event.event_id));
        }
    }
    if (overflowed_) {
        connection_->send(make_frame(framing_, "", resync_message("too many events while connecting; reload")));
    } else {
        for (auto& [id, payload] : buffered_)
            if (!sent.contains(id)) connection_->send(std::move(payload));
    }
    buffered_ = {};
    after_.reset();
    live_ = true;
}

void FeedSession::deliver(const std::string& event_id, const std::shared_ptr<const std::string>& frame) {
    std::lock_guard lock(mutex_);
    if (live_) {
        if (!recently_replayed_.empty()) {
            const auto it = std::find(recently_replayed_.begin(), recently_replayed_.end(), event_id);
            if (it != recently_replayed_.end()) {
                recently_replayed_.erase(it);  // the late push of an event the replay sent
                return;
            }
        }
        if (connection_) connection_->send(frame);
        return;
    }
    if (overflowed_) return;
    if (buffered_.size() >= core_->options.send_queue_limit / 2) {
        overflowed_ = true;
        buffered_ = {};
        return;
    }
    buffered_.emplace_back(event_id, frame);
}

void FeedSession::on_close() {
    core_->remove(user_id_, this);
    std::lock_guard lock(mutex_);
    connection_.reset();
    buffered_ = {};
    live_ = true;
}

WebSocketService::WebSocketService(store::Database& db,
                                   const Clock& clock,
                                   const auth::JwtCodec& jwt,
                                   WebSocketServiceOptions options)
    : core_(std::make_shared<detail::FeedCore>(db, clock, jwt, options)) {}

WebSocketService::~WebSocketService() = default;

std::span<const store::Migration> WebSocketService::migrations() { return websocket_migrations(); }

void WebSocketService::subscribe(pubsub::Bus& bus, const pubsub::Topics& topics) {
    for (auto topic : topics.all())
        bus.subscribe_batch(topic, kServiceName,
                            [this](std::span<const pubsub::Message> batch) { return handle_batch(batch); });
}

http::WebSocketOptions WebSocketService::websocket_options() const {
    http::WebSocketOptions options;
    options.heartbeat = core_->options.heartbeat;
    options.send_queue_limit = core_->options.send_queue_limit;
    return options;
}

namespace {

std::string verified_user(const auth::JwtCodec& jwt, std::string_view token) {
    auto verified = jwt.verify(token);
    if (auto* error = std::get_if<auth::TokenError>(&verified))
        throw http::HttpError(401, "invalid token: " + error->reason);
    return std::move(std::get<auth::Claims>(verified).sub);
}

// The token of an event stream: the Authorization header, else ?token= (a browser's EventSource cannot set headers).
std::string stream_user(const http::Request& req, const auth::JwtCodec& jwt) {
    if (req.header("authorization")) return auth::authenticate(req, jwt);
    if (auto q = req.query_param("token"); q && !q->empty()) return verified_user(jwt, *q);
    throw http::HttpError(401, "missing token: send Authorization: Bearer <JWT> (or ?token=<JWT>)");
}

std::optional<std::string> non_empty(std::optional<std::string_view> value) {
    if (!value || value->empty()) return std::nullopt;
    return std::string(*value);
}

}  // namespace

http::WebSocketAcceptor WebSocketService::acceptor() {
    return [core = core_](http::Request& req) {
        std::string_view token;
        std::string subprotocol;
        if (auto q = req.query_param("token"); q && !q->empty()) {
            token = *q;
        } else if (auto offered = req.header("sec-websocket-protocol")) {
            std::string_view list = *offered;
            while (!list.empty()) {
                const auto comma = list.find(',');
                const auto item = trim(list.substr(0, comma));
                if (item.size() > kBearerPrefix.size() && item.starts_with(kBearerPrefix)) {
                    token = item.substr(kBearerPrefix.size());
                    subprotocol.assign(item);
                    break;
                }
                if (comma == std::string_view::npos) break;
                list.remove_prefix(comma + 1);
            }
        }
        std::string user_id;
        if (!token.empty()) {
            user_id = verified_user(core->jwt, token);
        } else if (req.header("authorization")) {
            user_id = auth::authenticate(req, core->jwt);  // 401 on a bad one
        } else {
            throw http::HttpError(401, "missing token: pass ?token=<JWT> or the subprotocol bearer.<JWT>");
        }

        auto session =
            std::make_shared<FeedSession>(core, user_id, non_empty(req.query_param("after")), Framing::websocket);
        core->add(user_id, session);
        return http::WebSocketAccept{std::move(session), std::move(subprotocol)};
    };
}

http::Handler WebSocketService::event_stream_handler() {
    return [core = core_](http::Request& req) {
        auto user_id = stream_user(req, core->jwt);
        const auto path_user =
            std::find_if(req.params.begin(), req.params.end(), [](const auto& p) { return p.first == "user_id"; });
        if (path_user != req.params.end() && path_user->second != user_id)  // /api/events has none: the token's
            throw http::HttpError(403, "the token's user may only read its own events under /api/" + user_id + "/");
        // EventSource sends Last-Event-ID when it reconnects; ?after= is for a client's first connection.
        auto after = non_empty(req.header("last-event-id"));
        if (!after) after = non_empty(req.query_param("after"));
        auto session = std::make_shared<FeedSession>(core, user_id, std::move(after), Framing::event_stream);
        core->add(user_id, session);
        http::EventStreamOptions options;
        options.heartbeat = core->options.heartbeat / 2;
        options.send_queue_limit = core->options.send_queue_limit;
        return http::event_stream_response(std::move(session), options);
    };
}

pubsub::HandlerResult WebSocketService::handle(const pubsub::Message& message) {
    return std::move(handle_batch(std::span<const pubsub::Message>(&message, 1)).front());
}

std::vector<pubsub::HandlerResult> WebSocketService::handle_batch(std::span<const pubsub::Message> batch) {
    std::vector<pubsub::HandlerResult> results(batch.size());
    std::vector<std::pair<FeedEvent, const pubsub::Message*>> events;
    events.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto parsed = parse_feed_event(batch[i].payload);
        if (auto* why = std::get_if<std::string>(&parsed))
            results[i] = pubsub::HandlerResult::drop(std::move(*why));
        else
            events.emplace_back(std::move(std::get<FeedEvent>(parsed)), &batch[i]);
    }
    if (events.empty()) return results;

    auto& core = *core_;
    std::vector<std::size_t> fresh;  // indexes into `events` of those recorded now: pushed after the commit
    try {
        const auto now = core.clock.now();
        const auto now_text = format_rfc3339(now);
        auto tx = core.db.begin(store::Database::Access::write);
        std::vector<RecentEvent> logged;
        logged.reserve(events.size());
        for (const auto& [event, message] : events) logged.push_back({event.event_id, event.user_id, message->payload});
        // This replica's replay log, which also says what is new: a redelivery, or an event twice in this batch, is
        // not inserted and so not pushed again. Then now and then a prune of the oldest (by time, and per user).
        auto inserted = insert_recent_events(*tx, core.options.consumer, logged, now_text);
        for (std::size_t k = 0; k < events.size(); ++k)
            if (inserted.erase(events[k].first.event_id) != 0) fresh.push_back(k);  // the first of a repeated id
        for (const auto k : fresh) {
            const auto& event = events[k].first;
            if (core.inserted.fetch_add(1, std::memory_order_relaxed) % kPruneEvery != kPruneEvery - 1) continue;
            const auto cutoff =
                format_rfc3339(now - std::chrono::duration_cast<std::chrono::milliseconds>(core.options.retention));
            prune_recent_events(*tx, core.options.consumer, event.user_id, cutoff, core.options.keep_per_user);
        }
        // Nothing new: rolled back on destruction, as a lone redelivery always was.
        if (!fresh.empty()) tx->commit();
    } catch (const store::StoreError& e) {
        // The transaction did not commit: nothing recorded, nothing pushed; the bus retries the whole batch.
        return std::vector<pubsub::HandlerResult>(batch.size(), pubsub::retry_for(e, "websocket store: "));
    }
    for (const auto k : fresh) core.push(events[k].first.user_id, events[k].first.event_id, events[k].second->payload);
    return results;
}

std::size_t WebSocketService::connection_count(std::string_view user_id) const {
    std::lock_guard lock(core_->mutex);
    const auto it = core_->sessions.find(std::string(user_id));
    if (it == core_->sessions.end()) return 0;
    return static_cast<std::size_t>(
        std::count_if(it->second.begin(), it->second.end(), [](const auto& w) { return !w.expired(); }));
}

}  // namespace todoai::websocket
