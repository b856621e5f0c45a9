// Fills a data dir's todo.db (and notification.db's reminder schedule) with N tasks straight through the repositories,
// for bench/scale_bench.sh: a million creates over HTTP would take longer than the measurement and leave an outbox to
// drain. The shape is issue 11's: 1 000 users, one heavy user with a fifth of the tasks (200 000 of 1 000 000), 10 %
// with a reminder (scheduled, in the days after the seed), 5 % recurring; titles and descriptions from a small
// vocabulary so searches match some tasks and not others. Deterministic for a given N.
//
//   scale_seed <data-dir> <tasks> <heavy-user-id>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "core/task_json.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/notification/migrations.hpp"
#include "services/notification/reminder_repository.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_repository.hpp"

namespace {

using namespace todoai;

constexpr int kUsers = 1000;
constexpr int kPerTransaction = 10000;
const char* const kWords[] = {"report",  "meeting", "groceries", "invoice", "call",    "review",   "plan",
                              "fix",     "email",   "budget",    "garden",  "dentist", "birthday", "taxes",
                              "project", "draft",   "school",    "laundry", "flight",  "insurance"};

std::string words(std::mt19937& rng, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        if (i) out += ' ';
        out += kWords[rng() % std::size(kWords)];
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s <data-dir> <tasks> <heavy-user-id>\n", argv[0]);
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    const long total = std::strtol(argv[2], nullptr, 10);
    const std::string heavy = argv[3];

    // ANALYZE of a million tasks takes longer than a request's statement may (TODOAI_STATEMENT_TIMEOUT_MS).
    auto todo = store::open_sqlite({.file = dir / "todo.db", .statement_timeout = std::chrono::hours(1)});
    todo->migrate(todo::migrations());
    auto notification = store::open_sqlite({.file = dir / "notification.db"});
    notification->migrate(notification::migrations());

    std::mt19937 rng(11);
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const auto start = now - std::chrono::hours(24 * 365);  // a year of history, oldest first
    const auto started = std::chrono::steady_clock::now();
    for (long from = 0; from < total; from += kPerTransaction) {
        auto tx = todo->begin(store::Database::Access::write);
        // The writer connection's page cache (8 MiB in service) holds every index's working set here: the tasks go
        // round the users, so each insert touches another part of each (user_id, ...) index.
        tx->execute("PRAGMA cache_size = -1048576");
        auto ntx = notification->begin(store::Database::Access::write);
        for (long i = from; i < std::min(total, from + kPerTransaction); ++i) {
            Task task;
            const auto created =
                start + std::chrono::milliseconds(i * (365LL * 24 * 3600 * 1000 / std::max(total, 1L)));
            task.id = new_uuid_v7(created);
            // Every fifth task is the heavy user's; the rest go round the other 999 users.
            task.user_id = i % 5 == 0 ? heavy : "seed-user-" + std::to_string(i % (kUsers - 1));
            task.fields.title = words(rng, 2) + " " + std::to_string(i);
            task.fields.description = words(rng, 6);
            task.fields.priority = static_cast<Priority>(rng() % 3);
            task.fields.status = rng() % 4 == 0 ? TaskStatus::complete : TaskStatus::pending;
            task.fields.tags = {kWords[rng() % std::size(kWords)]};
            if (rng() % 2 == 0) task.fields.due_date = now + std::chrono::hours(static_cast<int>(rng() % (24 * 60)));
            const bool reminder = i % 10 == 3;
            if (reminder)
                task.fields.reminders = {Reminder{.at = now + std::chrono::minutes(10 + rng() % (60 * 24 * 30))}};
            if (i % 20 == 7) {
                task.fields.is_recurring = true;
                task.fields.rrule = "FREQ=WEEKLY;BYDAY=MO";
                task.series_id = task.id;
            }
            task.created_at = task.updated_at = created;
            std::string doc;
            append_json(doc, task);
            todo::TaskRepository::insert(*tx, task, doc);
            if (reminder) {
                notification::ReminderRow row{.id = task.id + "-r0",
                                              .task_id = task.id,
                                              .user_id = task.user_id,
                                              .title = task.fields.title,
                                              .remind_at = *task.fields.reminders[0].at,
                                              .due_date = task.fields.due_date};
                notification::repo::schedule(*ntx, row, created);
            }
        }
        tx->commit();
        ntx->commit();
        std::fprintf(stderr, "\rseeded %ld / %ld", std::min(total, from + kPerTransaction), total);
    }
    auto tx = todo->begin(store::Database::Access::write);
    tx->execute("ANALYZE");
    tx->commit();
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "\nseeded %ld tasks (%ld of user %s) in %.1f s\n", total, (total + 4) / 5, heavy.c_str(),
                 took);
    return 0;
}
