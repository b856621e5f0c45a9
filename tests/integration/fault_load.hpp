#pragma once
// What the cluster fault tests (cluster_faults_test.cpp) drive and check. A LoadWriter creates, renames and completes
// tasks on todo for one user, sending each request once and remembering what was acknowledged and what was refused;
// check_delivery() waits until every committed change has reached every consumer and then checks that each did so
// exactly once (the model is crash_test.cpp: the committed state, read back from todo, says what must exist).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/event_support.hpp"
#include "runtime/http/websocket_test_client.hpp"
#include "support/single_attempt_client.hpp"

namespace todoai::testing {

using namespace std::chrono_literals;

inline std::string text_of(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

/// A user on todo and the bearer token the writers and checks use for it.
struct User {
    std::string id;
    std::string token;
};

enum class TaskKind { plain, reminder, recurring };

/// One task's life as a writer drove it: create, then (plain, recurring) rename and complete, each only after the
/// step before was acknowledged. A reminder task stays open so its reminder fires.
struct TaskOp {
    TaskKind kind = TaskKind::plain;
    std::string title;    // unique: finds the task of a create whose answer was lost
    std::string task_id;  // when the create was acknowledged
    bool created = false, renamed = false, completed = false;  // acknowledged (2xx)
};

/// A request that did not get its 2xx: the status (0 = no answer: refused or reset), its content type and how long
/// it took. The fault tests say which refusals their fault may cause, and when.
struct Refusal {
    std::chrono::steady_clock::time_point sent;
    std::chrono::milliseconds took{};
    int status = 0;
    std::string content_type;
    std::string body;
};

/// Drives one user's tasks on todo from its own thread, one operation every `pace`, until stop().
class LoadWriter {
  public:
    LoadWriter(User user, std::uint16_t todo_port, int index, std::chrono::milliseconds pace = 30ms)
        : user_(std::move(user)), client_(todo_port), index_(index), pace_(pace) {}
    ~LoadWriter() { stop(); }
    LoadWriter(const LoadWriter&) = delete;
    LoadWriter& operator=(const LoadWriter&) = delete;

    void start() {
        thread_ = std::thread([this] { run(); });
    }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    /// Acknowledged changes so far (creates, renames, completions).
    std::size_t acked() const { return acked_.load(); }
    const User& user() const { return user_; }
    /// Read after stop().
    const std::vector<TaskOp>& ops() const { return ops_; }
    const std::vector<Refusal>& refusals() const { return refusals_; }

  private:
    void run() {
        for (int n = 0; !stop_; ++n) {
            const auto begun = std::chrono::steady_clock::now();
            const bool answered = one_task(n);
            // Pacing shapes the load (it is not synchronization); an unanswered request means todo is down, so the
            // next attempt waits a little longer rather than spinning on refused connections.
            std::this_thread::sleep_until(begun + (answered ? pace_ : 3 * pace_));
        }
    }

    // One task's steps; false if a request went unanswered.
    bool one_task(int n) {
        TaskOp op;
        op.kind = n % 4 == 2 ? TaskKind::reminder : n % 4 == 3 ? TaskKind::recurring : TaskKind::plain;
        op.title = "u" + std::to_string(index_) + "-" + std::to_string(n);
        const std::string base = "/api/" + user_.id + "/tasks";
        bool answered = true;
        auto created = send("POST", base, create_body(op, n), 201, answered);
        if (created) {
            op.created = true;
            op.task_id = text_of(created->json().at("id"));
        }
        if (op.created && op.kind != TaskKind::reminder) {
            const auto rename = boost::json::serialize(boost::json::object{{"title", op.title + "*"}});
            op.renamed = send("PATCH", base + "/" + op.task_id, rename, 200, answered).has_value();
            if (op.renamed)
                op.completed = send("PATCH", base + "/" + op.task_id + "/complete", {}, 200, answered).has_value();
        }
        ops_.push_back(std::move(op));
        return answered;
    }

    std::string create_body(const TaskOp& op, int n) const {
        boost::json::object body{{"title", op.title}};
        if (op.kind == TaskKind::reminder)
            body["reminders"] = boost::json::array{boost::json::object{{"at", format_rfc3339(now_ms() + 1500ms)}}};
        if (op.kind == TaskKind::recurring) {
            // A due date of its own per task, so each next instance is told apart by (series, due date).
            const auto due = *parse_rfc3339("2030-01-01T00:00:00Z") + std::chrono::hours(index_ * 100000 + n);
            body["is_recurring"] = true;
            body["recurrence_schedule"] = "daily";
            body["due_date"] = format_rfc3339(due);
        }
        return boost::json::serialize(body);
    }

    // The response when it has `ok_status`; otherwise records the refusal and returns nullopt.
    std::optional<HttpResponse> send(
        const std::string& method, const std::string& target, const std::string& body, int ok_status, bool& answered) {
        const auto sent = std::chrono::steady_clock::now();
        auto response = client_.send(method, target, user_.token, body, std::chrono::seconds(15));
        const auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
        if (response && response->status == ok_status) {
            ++acked_;
            return response;
        }
        if (!response) answered = false;
        Refusal r{.sent = sent, .took = took, .status = response ? response->status : 0};
        if (response) {
            r.content_type = response->header("content-type");
            r.body = response->body;
        }
        refusals_.push_back(std::move(r));
        return std::nullopt;
    }

    User user_;
    SingleAttemptClient client_;
    int index_;
    std::chrono::milliseconds pace_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> acked_{0};
    std::vector<TaskOp> ops_;
    std::vector<Refusal> refusals_;
    std::thread thread_;
};

/// One user's live feed, read on its own thread: every event id pushed, in order, duplicates included.
class FeedRecorder {
  public:
    FeedRecorder(std::uint16_t websocket_port, const User& user) : client_(websocket_port) {
        const auto ec = client_.handshake("/ws?token=" + user.token);
        EXPECT_FALSE(ec) << "feed of " << user.id << ": " << ec.message();
        thread_ = std::thread([this] { run(); });
    }
    ~FeedRecorder() { close(); }
    FeedRecorder(const FeedRecorder&) = delete;
    FeedRecorder& operator=(const FeedRecorder&) = delete;

    std::vector<std::string> event_ids() const {
        std::lock_guard lock(mutex_);
        return ids_;
    }
    /// Why the feed ended early (a close, a resync message), or empty.
    std::string trouble() const {
        std::lock_guard lock(mutex_);
        return trouble_;
    }
    /// Ends the read from outside its thread: shutdown(2) on the socket makes the pending read fail.
    void close() {
        if (!thread_.joinable()) return;
        closing_ = true;
        boost::system::error_code ignored;
        client_.stream().next_layer().shutdown(WsClient::tcp::socket::shutdown_both, ignored);
        thread_.join();
    }

  private:
    void run() {
        for (;;) {
            auto frame = client_.read(120s);
            std::lock_guard lock(mutex_);
            if (frame.ec) {
                if (!closing_) trouble_ = "feed ended: " + frame.ec.message();
                return;
            }
            auto event = boost::json::parse(frame.text).as_object();
            if (const auto* id = event.if_contains("id"))
                ids_.push_back(text_of(*id));
            else
                trouble_ = "unexpected frame: " + frame.text;
        }
    }

    WsClient client_;
    mutable std::mutex mutex_;
    std::vector<std::string> ids_;
    std::string trouble_;
    std::atomic<bool> closing_{false};
    std::thread thread_;
};

/// Collects violations and reports the first few of each kind, so one broken invariant does not print thousands.
struct Violations {
    std::map<std::string, std::vector<std::string>> by_kind;
    void add(const std::string& kind, const std::string& what) { by_kind[kind].push_back(what); }
    void report(const std::string& context) const {
        for (const auto& [kind, list] : by_kind) {
            std::string msg = context + ": " + kind + ": " + std::to_string(list.size()) + " violation(s); first:\n";
            for (std::size_t i = 0; i < list.size() && i < 8; ++i) msg += "  " + list[i] + "\n";
            ADD_FAILURE() << msg;
        }
    }
};

/// Where the consumers are reached for the check.
struct ClusterPorts {
    std::uint16_t todo, audit, notification;
};

/// What one user's state looks like from todo, audit and notification.
struct UserState {
    std::vector<boost::json::object> tasks, audit, notes;
};

inline UserState read_state(const ClusterPorts& ports, const User& user) {
    HttpClient todo(ports.todo), audit(ports.audit), notification(ports.notification);
    const std::string base = "/api/" + user.id + "/";
    return {fetch_all(todo, user.token, base + "tasks"), fetch_all(audit, user.token, base + "audit"),
            fetch_all(notification, user.token, base + "notifications")};
}

inline bool is_next_instance(const boost::json::object& task) {
    return !task.at("series_id").is_null() && text_of(task.at("series_id")) != text_of(task.at("id"));
}

/// What audit must hold for a committed task, read from the task itself: one task.created; one task.updated if it
/// carries the writer's rename (the "*"); one task.completed if complete; for a reminder set ahead of the creation,
/// one reminder.scheduled and, once due on an open task, one reminder.fired.
inline std::map<std::string, std::size_t> expected_events(const boost::json::object& task,
                                                          std::optional<Timestamp> created_at,
                                                          Timestamp now) {
    std::map<std::string, std::size_t> want{{"com.todoai.task.created", 1}};
    if (is_next_instance(task)) return want;
    const auto title = text_of(task.at("title"));
    const bool complete = text_of(task.at("status")) == "complete";
    if (!title.empty() && title.back() == '*') want["com.todoai.task.updated"] = 1;
    if (complete) want["com.todoai.task.completed"] = 1;
    const auto& reminders = task.at("reminders").as_array();
    if (!reminders.empty() && created_at) {
        const auto at = ts(reminders[0].at("at"));
        if (*created_at < at) {
            want["com.todoai.reminder.scheduled"] = 1;
            if (at < now && !complete) want["com.todoai.reminder.fired"] = 1;
        }
    }
    return want;
}

/// The latest reminder time of the user's tasks (none: nullopt). Once it has passed, and every due reminder has
/// fired, the user's events are final: a snapshot taken after that cannot race a reminder that fires meanwhile.
inline std::optional<Timestamp> latest_reminder(const UserState& s) {
    std::optional<Timestamp> latest;
    for (const auto& t : s.tasks)
        for (const auto& r : t.at("reminders").as_array())
            if (const auto at = ts(r.at("at")); !latest || *latest < at) latest = at;
    return latest;
}

/// Per task: event type -> audit entries.
inline std::map<std::string, std::map<std::string, std::size_t>> audit_counts(
    const std::vector<boost::json::object>& audit) {
    std::map<std::string, std::map<std::string, std::size_t>> out;
    for (const auto& a : audit) ++out[text_of(a.at("task_id"))][text_of(a.at("event_type"))];
    return out;
}

inline std::optional<Timestamp> created_time(const std::vector<boost::json::object>& audit,
                                             const std::string& task_id) {
    for (const auto& a : audit)
        if (text_of(a.at("task_id")) == task_id && text_of(a.at("event_type")) == "com.todoai.task.created")
            return ts(a.at("timestamp"));
    return std::nullopt;
}

/// Empty when every committed change of `user` has all its effects; else what is still missing. A completed
/// recurring task must also have its next instance (series, due + 1 day).
inline std::string pending(const UserState& s, Timestamp now) {
    const auto counts = audit_counts(s.audit);
    std::set<std::pair<std::string, Timestamp>> instances;
    for (const auto& t : s.tasks)
        if (!t.at("series_id").is_null() && !t.at("due_date").is_null())
            instances.emplace(text_of(t.at("series_id")), ts(t.at("due_date")));
    for (const auto& t : s.tasks) {
        const auto id = text_of(t.at("id"));
        const auto it = counts.find(id);
        for (const auto& [type, n] : expected_events(t, created_time(s.audit, id), now))
            if (it == counts.end() || !it->second.contains(type)) return type + " of " + id;
        if (text_of(t.at("status")) == "complete" && t.at("is_recurring").as_bool() &&
            !instances.contains({text_of(t.at("series_id")), ts(t.at("due_date")) + 24h}))
            return "next instance of " + id;
    }
    return {};
}

/// Every acknowledged step is in the committed state (nothing acknowledged was lost).
inline void check_acknowledged(const UserState& s, const std::vector<TaskOp>& ops, Violations& v) {
    std::map<std::string, const boost::json::object*> by_id;
    std::map<std::string, std::size_t> titles;  // first-generation tasks per writer title
    for (const auto& t : s.tasks) {
        by_id[text_of(t.at("id"))] = &t;
        if (is_next_instance(t)) continue;
        auto title = text_of(t.at("title"));
        if (!title.empty() && title.back() == '*') title.pop_back();
        ++titles[title];
    }
    for (const auto& op : ops) {
        if (titles[op.title] > 1) v.add("one create request made two tasks", op.title);
        if (!op.created) continue;
        const auto it = by_id.find(op.task_id);
        if (it == by_id.end()) {
            v.add("acknowledged create lost", op.title + " " + op.task_id);
            continue;
        }
        if (op.renamed && text_of(it->second->at("title")) != op.title + "*")
            v.add("acknowledged rename lost", op.title);
        if (op.completed && text_of(it->second->at("status")) != "complete")
            v.add("acknowledged completion lost", op.title);
    }
}

/// Each committed change exactly once in audit, no event id twice, nothing about a task that does not exist; each
/// reminder fired at most once and the due ones exactly once; each completed recurring task exactly one successor.
inline void check_exactly_once(const UserState& s, Timestamp now, Violations& v) {
    const auto counts = audit_counts(s.audit);
    std::set<std::string> ids;
    for (const auto& a : s.audit)
        if (!ids.insert(text_of(a.at("event_id"))).second)
            v.add("event recorded twice in audit", text_of(a.at("event_id")));
    std::map<std::string, std::size_t> notes;
    for (const auto& n : s.notes) ++notes[text_of(n.at("task_id"))];
    std::map<std::pair<std::string, Timestamp>, std::size_t> instances;
    std::set<std::string> task_ids;
    for (const auto& t : s.tasks) {
        task_ids.insert(text_of(t.at("id")));
        if (!t.at("series_id").is_null()) ++instances[{text_of(t.at("series_id")), ts(t.at("due_date"))}];
    }
    for (const auto& t : s.tasks) {
        const auto id = text_of(t.at("id"));
        const auto want = expected_events(t, created_time(s.audit, id), now);
        const auto it = counts.find(id);
        const std::map<std::string, std::size_t> none;
        const auto& got = it == counts.end() ? none : it->second;
        for (const auto& [type, n] : want)
            if (auto g = got.contains(type) ? got.at(type) : 0; g != n)
                v.add("audit count of a committed change != 1", id + " " + type + ": " + std::to_string(g));
        for (const auto& [type, n] : got)
            if (!want.contains(type) && !(type == "com.todoai.reminder.fired" && n == 1))
                v.add("audit holds an event that did not happen", id + " " + type + " x" + std::to_string(n));
        const auto fired = got.contains("com.todoai.reminder.fired") ? got.at("com.todoai.reminder.fired") : 0;
        if (notes[id] != fired)
            v.add("notifications disagree with audit's reminder.fired",
                  id + ": " + std::to_string(notes[id]) + " vs " + std::to_string(fired));
        if (text_of(t.at("status")) == "complete" && t.at("is_recurring").as_bool()) {
            const auto n = instances[{text_of(t.at("series_id")), ts(t.at("due_date")) + 24h}];
            if (n != 1) v.add("completed recurring task without exactly one successor", id + ": " + std::to_string(n));
        }
    }
    for (const auto& [task, types] : counts)
        if (!task_ids.contains(task)) v.add("audit names a task that never committed", task);
}

/// The ids of the events audit recorded for `users` (each exactly once after check_exactly_once).
inline std::set<std::string> audit_event_ids(const std::vector<UserState>& states) {
    std::set<std::string> out;
    for (const auto& s : states)
        for (const auto& a : s.audit) out.insert(text_of(a.at("event_id")));
    return out;
}

/// Every event in `delivered` (a consumer's record, duplicates included) matches `expected` exactly once.
inline void check_same_events(const std::string& consumer,
                              const std::set<std::string>& expected,
                              const std::vector<std::string>& delivered,
                              Violations& v) {
    std::map<std::string, std::size_t> seen;
    for (const auto& id : delivered) ++seen[id];
    for (const auto& id : expected)
        if (!seen.contains(id)) v.add(consumer + " missed an event audit has", id);
    for (const auto& [id, n] : seen) {
        if (n > 1) v.add(consumer + " got an event more than once", id + " x" + std::to_string(n));
        if (!expected.contains(id)) v.add(consumer + " got an event audit does not have", id);
    }
}

}  // namespace todoai::testing
