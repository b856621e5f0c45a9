// The crash test of issue 4: clients create and complete tasks as fast as they can while the process is killed with
// SIGKILL at random moments and restarted on the same data dir. Afterwards: every committed change has exactly one
// audit entry, no event is recorded twice, every due reminder fired exactly once (and none of a task completed
// before its time), every completed recurring task has exactly one next instance. Nothing lost, nothing doubled.
//
// Reproduce a run with TODOAI_CRASH_SEED=<seed printed by a previous run>.
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "integration/event_support.hpp"
#include "integration/todoai_fixture.hpp"
#include "support/single_attempt_client.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr int kKills = 12;
constexpr int kWorkers = 2;
constexpr auto kSettleDeadline = 30s;
// A completion committed at least this long before a reminder's time must have cancelled it, crash or not.
constexpr auto kCancelMargin = 250ms;

enum class Kind { plain, reminder_open, reminder_cancelled, recurring };
enum class Outcome { not_sent, acked, unknown, rejected };

struct Op {
    Kind kind = Kind::plain;
    std::string title;  // unique: finds the task of a create whose answer was lost
    Outcome create = Outcome::not_sent;
    Outcome complete = Outcome::not_sent;
    int reject_status = 0;
    std::string task_id;  // when the create was acknowledged
    std::optional<Timestamp> remind_at;
    std::optional<Timestamp> due;
    Timestamp complete_acked_at{};
};

/// Collects failures and reports the first few of each kind in full, so one broken invariant does not print
/// thousands of lines.
struct Failures {
    std::map<std::string, std::vector<std::string>> by_kind;
    void add(const std::string& kind, const std::string& what) { by_kind[kind].push_back(what); }
    void report() const {
        for (const auto& [kind, list] : by_kind) {
            std::string msg = kind + ": " + std::to_string(list.size()) + " violation(s); first ones:\n";
            for (std::size_t i = 0; i < list.size() && i < 8; ++i) msg += "  " + list[i] + "\n";
            ADD_FAILURE() << msg;
        }
    }
};

std::string S(const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

class CrashTest : public ::testing::Test {
  protected:
    TempDir dir_;
    std::unique_ptr<TodoaiProcess> process_;
    std::string user_, token_;

    std::atomic<std::uint16_t> port_{0};
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<bool> stop_{false};

    void worker(int index, std::uint64_t seed, std::vector<Op>& ops) {
        std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(index));
        std::uniform_int_distribution<int> pick(0, 99);
        std::uniform_int_distribution<int> ahead_ms(300, 700);
        std::unique_ptr<SingleAttemptClient> client;
        std::uint16_t client_port = 0;
        const std::string base = "/api/" + user_ + "/tasks";
        int n = 0;

        // After a failed request the process is (most likely) being killed: wait for the next one, a bounded time.
        auto await_restart = [&](std::uint64_t gen) {
            const auto end = std::chrono::steady_clock::now() + 3s;
            while (!stop_ && generation_.load() == gen && std::chrono::steady_clock::now() < end)
                std::this_thread::sleep_for(2ms);
        };
        auto outcome_of = [](const std::optional<HttpResponse>& r, int ok_status) {
            if (!r) return Outcome::unknown;
            return r->status == ok_status ? Outcome::acked : Outcome::rejected;
        };

        while (!stop_) {
            const auto gen = generation_.load();
            const auto port = port_.load();
            if (port == 0) {
                std::this_thread::sleep_for(2ms);
                continue;
            }
            if (!client || client_port != port) {
                client = std::make_unique<SingleAttemptClient>(port);
                client_port = port;
            }
            Op op;
            const int p = pick(rng);
            op.kind = p < 30   ? Kind::plain
                      : p < 55 ? Kind::reminder_open
                      : p < 75 ? Kind::reminder_cancelled
                               : Kind::recurring;
            op.title = "w" + std::to_string(index) + "-" + std::to_string(n++);
            object body{{"title", op.title}};
            if (op.kind == Kind::reminder_open || op.kind == Kind::reminder_cancelled) {
                op.remind_at =
                    now_ms() + std::chrono::milliseconds(op.kind == Kind::reminder_open ? ahead_ms(rng) : 1000);
                body["reminders"] = array{object{{"at", format_rfc3339(*op.remind_at)}}};
            }
            if (op.kind == Kind::recurring) {
                op.due = *parse_rfc3339("2030-01-01T00:00:00Z") + std::chrono::hours(index * 100000 + n);
                body["is_recurring"] = true;
                body["recurrence_schedule"] = "daily";
                body["due_date"] = format_rfc3339(*op.due);
            }
            auto created = client->send("POST", base, token_, boost::json::serialize(body));
            op.create = outcome_of(created, 201);
            if (op.create == Outcome::rejected) op.reject_status = created->status;
            if (op.create == Outcome::acked) op.task_id = S(created->json().at("id"));
            if (op.create == Outcome::acked && op.kind != Kind::reminder_open) {
                auto done = client->send("PATCH", base + "/" + op.task_id + "/complete", token_);
                op.complete = outcome_of(done, 200);
                if (op.complete == Outcome::rejected) op.reject_status = done->status;
                if (op.complete == Outcome::acked) {
                    op.complete_acked_at = now_ms();
                    if (S(done->json().at("status")) != "complete") op.complete = Outcome::rejected;
                }
            }
            const bool failed = op.create == Outcome::unknown || op.complete == Outcome::unknown;
            ops.push_back(std::move(op));
            if (failed) await_restart(gen);
        }
    }
};

TEST_F(CrashTest, KillNineRepeatedlyNothingLostNothingDoubled) {
    const auto wall_start = std::chrono::steady_clock::now();
    std::uint64_t seed = std::random_device{}();
    if (const char* s = std::getenv("TODOAI_CRASH_SEED")) seed = std::strtoull(s, nullptr, 10);
    std::cout << "[crash] seed " << seed << " (rerun with TODOAI_CRASH_SEED=" << seed << ")" << std::endl;
    RecordProperty("crash_seed", std::to_string(seed));
    std::mt19937_64 rng(seed);

    process_ = std::make_unique<TodoaiProcess>(
        dir_.path() / "data", std::vector<std::string>{"serve", "all", "--reminder-check-interval", "1"});
    process_->start();
    {
        HttpClient c(process_->port());
        std::tie(user_, token_) = sign_up(c, "crash@example.com");
    }
    port_ = process_->port();

    std::vector<std::vector<Op>> per_worker(kWorkers);
    std::vector<std::thread> workers;
    for (int i = 0; i < kWorkers; ++i)
        workers.emplace_back([this, i, seed, &per_worker] { worker(i, seed, per_worker[i]); });

    std::uniform_int_distribution<int> delay_ms(100, 600);
    int kills = 0;
    for (; kills < kKills; ++kills) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        port_ = 0;
        process_->kill9();
        ++generation_;
        process_->start();
        port_ = process_->port();
        ++generation_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    stop_ = true;
    for (auto& w : workers) w.join();
    // The final crash, then the final restart; no client writes from here on.
    port_ = 0;
    process_->kill9();
    ++kills;
    process_->start();
    const auto load_end = std::chrono::steady_clock::now();

    std::vector<Op> ops;
    for (auto& v : per_worker) ops.insert(ops.end(), v.begin(), v.end());

    HttpClient client(process_->port());
    auto fetch = [&](const std::string& what) { return fetch_all(client, token_, "/api/" + user_ + "/" + what); };

    // --- Wait until delivery settles: every task has its created entry, every complete one its completed entry,
    // every open task's reminder that fell due has fired, every completed recurring task has its next instance.
    std::vector<object> tasks, audit, notes;
    std::string pending_reason;
    auto settled = [&] {
        tasks = fetch("tasks");
        audit = fetch("audit");
        notes = fetch("notifications");
        std::map<std::string, int> created, completed;
        std::map<std::string, Timestamp> created_at;
        for (const auto& a : audit) {
            const auto type = S(a.at("event_type"));
            if (type == "com.todoai.task.created") {
                ++created[S(a.at("task_id"))];
                created_at[S(a.at("task_id"))] = ts(a.at("timestamp"));
            }
            if (type == "com.todoai.task.completed") ++completed[S(a.at("task_id"))];
        }
        std::set<std::string> noted;
        for (const auto& n : notes) noted.insert(S(n.at("task_id")));
        std::set<std::pair<std::string, Timestamp>> instances;
        for (const auto& t : tasks)
            if (!t.at("series_id").is_null() && !t.at("due_date").is_null())
                instances.emplace(S(t.at("series_id")), ts(t.at("due_date")));
        const auto now = now_ms();
        for (const auto& t : tasks) {
            const auto id = S(t.at("id"));
            if (!created.count(id)) return pending_reason = "task.created of " + id, false;
            const bool done = S(t.at("status")) == "complete";
            if (done && !completed.count(id)) return pending_reason = "task.completed of " + id, false;
            if (!done && !t.at("reminders").as_array().empty()) {
                auto at = ts(t.at("reminders").as_array()[0].at("at"));
                if (at < now && !noted.count(id)) {
                    // One set when already past never fires: only wait for those set ahead of time.
                    if (created_at.at(id) < at) return pending_reason = "reminder of " + id, false;
                }
            }
            if (done && t.at("is_recurring").as_bool() &&
                !instances.count({S(t.at("series_id")), ts(t.at("due_date")) + 24h}))
                return pending_reason = "next instance of " + id, false;
        }
        return true;
    };
    const bool did_settle = poll_until(kSettleDeadline, settled, 50ms);
    EXPECT_TRUE(did_settle) << "delivery did not settle within " << kSettleDeadline.count() << " s; still waiting for "
                            << pending_reason;

    // --- A clean restart on top must change nothing (redelivery after it is absorbed), and a sweep passes.
    EXPECT_EQ(process_->stop(), 0) << "SIGTERM after the crashes did not exit 0";
    process_->start();
    HttpClient after(process_->port());
    {
        auto sentinel = after.authed("POST", "/api/" + user_ + "/tasks", token_, R"({"title":"sentinel"})");
        ASSERT_EQ(sentinel.status, 201) << sentinel.body;
        const auto sid = S(sentinel.json().at("id"));
        EXPECT_TRUE(poll_until(
            10s, [&] { return !fetch_all(after, token_, "/api/" + user_ + "/audit?task_id=" + sid).empty(); }));
        std::this_thread::sleep_for(1500ms);  // at least one catch-up sweep (interval 1 s) runs
    }
    tasks = fetch_all(after, token_, "/api/" + user_ + "/tasks");
    audit = fetch_all(after, token_, "/api/" + user_ + "/audit");
    notes = fetch_all(after, token_, "/api/" + user_ + "/notifications");

    // --- Index the final state.
    Failures f;
    std::map<std::string, object> task_by_id;
    std::map<std::string, std::vector<std::string>> ids_by_title;  // the tasks our requests made (not next instances)
    for (const auto& t : tasks) {
        task_by_id[S(t.at("id"))] = t;
        const bool next_instance = !t.at("series_id").is_null() && S(t.at("series_id")) != S(t.at("id"));
        if (!next_instance) ids_by_title[S(t.at("title"))].push_back(S(t.at("id")));
    }
    std::map<std::pair<std::string, std::string>, std::vector<const object*>> events;  // (task_id, type) -> entries
    std::set<std::string> event_ids;
    for (const auto& a : audit) {
        if (!event_ids.insert(S(a.at("event_id"))).second) f.add("event_id recorded twice", S(a.at("event_id")));
        if (S(a.at("user_id")) != user_) f.add("foreign user in my trail", boost::json::serialize(a));
        events[{S(a.at("task_id")), S(a.at("event_type"))}].push_back(&a);
    }
    auto count = [&](const std::string& task, const std::string& type) {
        auto it = events.find({task, "com.todoai." + type});
        return it == events.end() ? std::size_t{0} : it->second.size();
    };
    auto first_time = [&](const std::string& task, const std::string& type) -> std::optional<Timestamp> {
        auto it = events.find({task, "com.todoai." + type});
        if (it == events.end() || it->second.empty()) return std::nullopt;
        return ts(it->second.front()->at("timestamp"));
    };
    std::map<std::string, std::vector<const object*>> notes_by_task;
    std::set<std::string> note_ids;
    for (const auto& n : notes) {
        notes_by_task[S(n.at("task_id"))].push_back(&n);
        if (!note_ids.insert(S(n.at("id"))).second) f.add("notification listed twice", S(n.at("id")));
    }

    // --- 1. Every acknowledged change is there, with exactly one audit entry; unacknowledged ones at most once.
    std::size_t acked_creates = 0, acked_completes = 0, unknown = 0, rejected = 0;
    std::map<std::string, const Op*> op_of_task;
    for (const auto& op : ops) {
        if (op.create == Outcome::unknown || op.complete == Outcome::unknown) ++unknown;
        if (op.create == Outcome::rejected || op.complete == Outcome::rejected) {
            ++rejected;
            f.add("request rejected (non-2xx) by a running server",
                  op.title + " status " + std::to_string(op.reject_status));
        }
        const auto& same_title = ids_by_title[op.title];
        if (same_title.size() > 1) f.add("one create request made two tasks", op.title);
        if (op.create == Outcome::acked) {
            ++acked_creates;
            if (!task_by_id.count(op.task_id)) {
                f.add("acknowledged create lost", op.title + " " + op.task_id);
                continue;
            }
        }
        if (same_title.empty()) continue;  // an unacknowledged create that did not commit
        const auto id = same_title.front();
        op_of_task[id] = &op;
        if (op.complete == Outcome::acked) {
            ++acked_completes;
            if (S(task_by_id[id].at("status")) != "complete") f.add("acknowledged completion lost", op.title);
        }
    }

    // --- 2. Every committed task (ours, and the instances the recurring service made) has exactly one task.created,
    // and exactly one task.completed iff it is complete (nobody here reopens); no event names a task that never
    // committed.
    for (const auto& [id, t] : task_by_id) {
        if (auto c = count(id, "task.created"); c != 1)
            f.add("task.created count != 1", id + " (" + S(t.at("title")) + "): " + std::to_string(c));
        const bool done = S(t.at("status")) == "complete";
        if (auto c = count(id, "task.completed"); c != (done ? 1u : 0u))
            f.add("task.completed count wrong", id + " status " + S(t.at("status")) + ": " + std::to_string(c));
        if (count(id, "task.updated") || count(id, "task.deleted"))
            f.add("unexpected task.updated/deleted", id + " (one user action, one event)");
        if (auto c = count(id, "reminder.scheduled"); c > 1) f.add("reminder.scheduled twice", id);
    }
    for (const auto& [key, list] : events)
        if (key.second.starts_with("com.todoai.task.") && !task_by_id.count(key.first))
            f.add("event for a task that does not exist", key.first + " " + key.second);

    // --- 3. Reminders: each fires at most once; one that fell due on an open task fired exactly once; one whose task
    // was completed (committed) well before its time never fired. The audit agrees with the notifications.
    std::size_t due_reminders = 0, cancelled_reminders = 0;
    const auto now = now_ms();
    for (const auto& [id, t] : task_by_id) {
        const auto& rem = t.at("reminders").as_array();
        const auto n_notes = notes_by_task.count(id) ? notes_by_task[id].size() : 0u;
        const auto n_fired = count(id, "reminder.fired");
        if (n_notes > 1) f.add("reminder fired more than once (notifications)", id + ": " + std::to_string(n_notes));
        if (n_fired != n_notes)
            f.add("audit reminder.fired disagrees with notifications",
                  id + ": audit " + std::to_string(n_fired) + ", notifications " + std::to_string(n_notes));
        if (rem.empty()) {
            if (n_notes) f.add("notification for a task without reminders", id);
            continue;
        }
        const auto at = ts(rem[0].at("at"));
        const auto created_at = first_time(id, "task.created");
        const bool set_ahead = created_at && *created_at < at;
        if (!set_ahead) {
            if (n_notes) f.add("reminder set in the past fired", id);
            continue;
        }
        const bool done = S(t.at("status")) == "complete";
        const auto completed_at = first_time(id, "task.completed");
        if (!done) {
            if (at < now) {
                ++due_reminders;
                if (n_notes != 1)
                    f.add("due reminder of an open task did not fire exactly once",
                          id + ": " + std::to_string(n_notes));
                for (const auto* n : notes_by_task[id])
                    if (ts(n->at("remind_at")) != at) f.add("notification with the wrong remind_at", id);
            }
        } else if (completed_at && *completed_at + kCancelMargin <= at) {
            ++cancelled_reminders;
            if (n_notes) {
                const auto* op = op_of_task.count(id) ? op_of_task[id] : nullptr;
                f.add("reminder fired although its task was completed before its time",
                      id + " completed " + format_rfc3339(*completed_at) + " remind_at " + format_rfc3339(at) +
                          " fired_at " + S(notes_by_task[id][0]->at("fired_at")) +
                          (op && op->complete == Outcome::acked ? " (completion acknowledged)" : ""));
            }
        }
    }

    // --- 4. Recurrence: no two instances of a series share a due date; every completed instance has its successor;
    // a series holds exactly 1 + (number of completed instances) tasks (we never complete a successor).
    std::map<std::string, std::vector<const object*>> series;
    std::set<std::pair<std::string, Timestamp>> instances;
    std::size_t completed_recurring = 0;
    for (const auto& [id, t] : task_by_id) {
        if (t.at("series_id").is_null()) continue;
        series[S(t.at("series_id"))].push_back(&t);
        if (!instances.emplace(S(t.at("series_id")), ts(t.at("due_date"))).second)
            f.add("two instances with the same (series_id, due_date)",
                  S(t.at("series_id")) + " " + S(t.at("due_date")));
    }
    for (const auto& [sid, members] : series) {
        std::size_t done = 0;
        for (const auto* t : members) {
            if (S(t->at("status")) != "complete") continue;
            ++done;
            ++completed_recurring;
            if (!instances.count({sid, ts(t->at("due_date")) + 24h}))
                f.add("completed recurring task without its next instance", S(t->at("id")));
        }
        if (members.size() != 1 + done)
            f.add("series size != 1 + completed instances",
                  sid + ": " + std::to_string(members.size()) + " tasks, " + std::to_string(done) + " complete");
    }
    for (const auto& op : ops)
        if (op.kind == Kind::recurring && op.complete == Outcome::acked && task_by_id.count(op.task_id) &&
            !instances.count({op.task_id, *op.due + 24h}))
            f.add("acknowledged completion of a recurring task without successor", op.title);

    f.report();
    const auto wall =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - wall_start);
    std::map<Kind, std::size_t> kinds;
    for (const auto& op : ops) ++kinds[op.kind];
    std::cout << "[crash] seed " << seed << ": " << kills << " kill -9s, " << ops.size() << " operations ("
              << kinds[Kind::plain] << " plain, " << kinds[Kind::reminder_open] << " reminder kept open, "
              << kinds[Kind::reminder_cancelled] << " reminder completed early, " << kinds[Kind::recurring]
              << " recurring); acknowledged: " << acked_creates << " creates, " << acked_completes
              << " completions; outcome unknown: " << unknown << "; rejected: " << rejected << std::endl;
    std::cout << "[crash] checked " << task_by_id.size() << " tasks, " << audit.size() << " audit events ("
              << event_ids.size() << " distinct ids), " << notes.size() << " notifications, " << due_reminders
              << " due reminders, " << cancelled_reminders << " reminders cancelled in time, " << completed_recurring
              << " completed recurring instances in " << series.size() << " series; load phase "
              << std::chrono::duration_cast<std::chrono::milliseconds>(load_end - wall_start).count() << " ms, total "
              << wall.count() << " ms" << std::endl;
}

}  // namespace
}  // namespace todoai::testing
