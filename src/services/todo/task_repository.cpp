#include "services/todo/task_repository.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "core/text.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"

namespace todoai::todo {
namespace {

using store::Value;

// Null due dates sort last in both directions: they stand in as a value beyond every real date (asc) or below
// every real date (desc).
constexpr std::string_view kNoDueAsc = "~";
constexpr std::string_view kNoDueDesc = "";

std::int64_t priority_rank(Priority p) { return static_cast<std::int64_t>(p); }

// The JSON-quoted tag, so `"work"` matches the element "work" inside the stored array and not "homework".
std::string tag_pattern(std::string_view tag) {
    std::string quoted = boost::json::serialize(boost::json::value(tag));
    std::string escaped;
    for (char c : quoted) {
        if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
        escaped.push_back(c);
    }
    return "%" + escaped + "%";
}

std::string like_contains(std::string_view text) {
    std::string escaped = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
        escaped.push_back(c);
    }
    escaped.push_back('%');
    return escaped;
}

// An FTS5 phrase: the needle between double quotes, each quote inside doubled; every other character is literal.
std::string fts_phrase(std::string_view text) {
    std::string phrase = "\"";
    for (char c : text) {
        if (c == '"') phrase.push_back('"');
        phrase.push_back(c);
    }
    phrase.push_back('"');
    return phrase;
}

// The description part of search_text ("title\ndescription"), by characters in both dialects. The PostgreSQL trigram
// index is built on this very expression (migrations.cpp), so the text must stay the same.
constexpr std::string_view kDescription = "substr(search_text, length(title_key) + 2)";

// Both indexes work on trigrams: a needle of fewer than three characters has none to look up.
constexpr std::size_t kIndexedSearchMin = 3;

// SQLite: the most matches (of all users) the trigram index may hand over for one search. Each costs a lookup of its
// task id before the user's are kept: 34 000 for a common word over 100 000 tasks took 83 ms, while the user's own
// tasks read in list order filled the page in under 1 ms. A needle past this is in at least 1 task in 500 (of a
// million), and reading the user's tasks in order fills a page from the first rows unless the user's text differs
// from everyone else's.
constexpr std::int64_t kIndexMatchesMax = 2000;

std::string tags_json(const std::vector<std::string>& tags) {
    return boost::json::serialize(boost::json::value_from(tags));
}

std::vector<Value> column_values(const Task& task, const std::string& doc) {
    const auto& f = task.fields;
    return {
        task.id,
        task.user_id,
        to_lower_ascii(f.title),
        to_lower_ascii(f.title) + "\n" + to_lower_ascii(f.description),
        std::string(to_string(f.status)),
        priority_rank(f.priority),
        tags_json(f.tags),
        f.due_date ? Value(format_rfc3339(*f.due_date)) : Value(nullptr),
        task.series_id ? Value(*task.series_id) : Value(nullptr),
        format_rfc3339(task.created_at),
        task.version,
        doc,
        f.category ? Value(*f.category) : Value(nullptr),
    };
}

std::string sort_expression(const TaskQuery& q) {
    switch (q.sort) {
        case SortKey::created_at:
            return "created_at";
        case SortKey::priority:
            return "priority_rank";
        case SortKey::title:
            return "title_key";
        case SortKey::due_date:
            return std::string("COALESCE(due_date, '") +
                   std::string(q.order == SortOrder::asc ? kNoDueAsc : kNoDueDesc) + "')";
    }
    return "created_at";
}

}  // namespace

std::optional<StoredTask> TaskRepository::find(store::Transaction& tx, std::string_view user_id, std::string_view id) {
    auto rows = tx.query(sql::kFind, {std::string(id), std::string(user_id)});
    if (rows.empty()) return std::nullopt;
    return StoredTask{rows[0].text(0), rows[0].int64(1)};
}

void TaskRepository::insert(store::Transaction& tx, const Task& task, const std::string& doc) {
    auto values = column_values(task, doc);
    tx.execute_deferred(sql::kInsert, values);
}

bool TaskRepository::update(store::Transaction& tx,
                            const Task& task,
                            const std::string& doc,
                            std::int64_t expected_version) {
    auto values = column_values(task, doc);
    values.push_back(expected_version);
    return tx.execute(sql::kUpdate, values) == 1;
}

bool TaskRepository::remove(store::Transaction& tx, std::string_view user_id, std::string_view id) {
    return tx.execute(sql::kRemove, {std::string(id), std::string(user_id)}) == 1;
}

bool TaskRepository::remove(store::Transaction& tx,
                            std::string_view user_id,
                            std::string_view id,
                            std::int64_t expected_version) {
    return tx.execute(sql::kRemoveVersion, {std::string(id), std::string(user_id), expected_version}) == 1;
}

std::vector<std::string> TaskRepository::open_ids(store::Transaction& tx, const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    if (ids.empty()) return out;
    std::string sql = "SELECT id FROM tasks WHERE status <> 'complete' AND id IN (";
    std::vector<Value> params;
    params.reserve(ids.size());
    for (const auto& id : ids) {
        params.emplace_back(id);
        sql += (params.size() == 1 ? "$" : ", $") + std::to_string(params.size());
    }
    sql += ")";
    for (const auto& row : tx.query(sql, params)) out.push_back(row.text(0));
    return out;
}

TaskCounts TaskRepository::counts(store::Transaction& tx, std::string_view user_id) {
    auto rows = tx.query(sql::kCounts, {std::string(user_id)});
    TaskCounts c;
    for (const auto& row : rows) {
        const auto n = row.int64(1);
        c.total += n;
        if (row.text(0) == to_string(TaskStatus::complete)) c.completed += n;
    }
    c.pending = c.total - c.completed;
    return c;
}

TaskRepository::Statement TaskRepository::list_statement(store::Dialect dialect,
                                                         std::string_view user_id,
                                                         const TaskQuery& q,
                                                         SearchPath path) {
    std::vector<Value> params{std::string(user_id)};
    const std::string key = sort_expression(q);
    std::string from = "tasks";
    std::string sql;  // the conditions after user_id = $1, then the order
    auto bind = [&](Value v) {
        params.push_back(std::move(v));
        return "$" + std::to_string(params.size());
    };
    if (q.status) sql += " AND status = " + bind(std::string(to_string(*q.status)));
    if (q.priority) sql += " AND priority_rank = " + bind(priority_rank(*q.priority));
    if (q.tag) sql += " AND tags LIKE " + bind(tag_pattern(*q.tag)) + " ESCAPE '\\'";
    if (q.category) sql += " AND category = " + bind(*q.category);
    if (q.search) {
        // Within the title or within the description, never across the two (search_text holds both, joined by
        // '\n'). Both sides are ASCII-lowercased, so the match is case-insensitive for ASCII letters in every path.
        const bool indexed = utf8_length(*q.search).value_or(0) >= kIndexedSearchMin;
        if (indexed && dialect == store::Dialect::sqlite && path == SearchPath::index) {
            // FTS5's trigram index (task_search); a phrase's trigrams must be consecutive within one column. The
            // matches (few: list() chose this path by counting them) drive the join, the user's kept by
            // task_search_ids before each task is read by its primary key, then sorted; reading the user's tasks in order instead and probing the matches would
            // walk all of them for a needle the user's tasks hardly hold.
            from =
                "(SELECT i.task_id AS match_id FROM task_search JOIN task_search_ids i ON i.id = task_search.rowid "
                "WHERE task_search MATCH " +
                bind(fts_phrase(*q.search)) + " AND i.user_id = $1) AS m CROSS JOIN tasks ON tasks.id = m.match_id";
        } else if (indexed && dialect == store::Dialect::postgres) {
            // pg_trgm's GIN indexes on both expressions (a bitmap OR); the recheck makes the match exact.
            const auto pattern = bind(like_contains(*q.search));
            sql += " AND (title_key LIKE " + pattern + " ESCAPE '\\' OR " + std::string(kDescription) + " LIKE " +
                   pattern + " ESCAPE '\\')";
        } else {
            // One or two characters (no trigram to look up), or on SQLite a needle too common for the index to pay:
            // the user's own tasks are read in list order and the page fills after a few rows when the needle is
            // common. A plain position function, not LIKE, so PostgreSQL's planner cannot pick the trigram index for
            // a full index scan.
            const auto needle = bind(*q.search);
            const char* pos = dialect == store::Dialect::sqlite ? "instr(" : "strpos(";
            sql += std::string(" AND (") + pos + "title_key, " + needle + ") > 0 OR " + pos +
                   std::string(kDescription) + ", " + needle + ") > 0)";
        }
    }
    if (q.due_from) sql += " AND due_date >= " + bind(format_rfc3339(*q.due_from));
    if (q.due_to) sql += " AND due_date <= " + bind(format_rfc3339(*q.due_to));
    const char* cmp = q.order == SortOrder::asc ? ">" : "<";
    if (q.after) {
        Value k = std::visit([](const auto& v) { return Value(v); }, q.after->key);
        auto kp = bind(k);
        auto ip = bind(q.after->id);
        // A row value, which both planners turn into a range of the (user_id, key, id) index: the page starts where
        // the last one ended instead of walking the rows before it. SQLite does so for a row value of plain columns
        // only; the bound on the key alone, implied by the row value, gives it the range on the due-date indexes'
        // COALESCE expression as well.
        sql += " AND " + key + (q.order == SortOrder::asc ? " >= " : " <= ") + kp + " AND (" + key + ", id) " + cmp +
               " (" + kp + ", " + ip + ")";
    }
    const char* dir = q.order == SortOrder::asc ? " ASC" : " DESC";
    sql += " ORDER BY " + key + dir + ", id" + dir + " LIMIT " + bind(std::int64_t{q.limit} + 1);
    return {"SELECT doc, id, " + key + " FROM " + from + " WHERE user_id = $1" + sql, std::move(params)};
}

TaskPage TaskRepository::list(store::Transaction& tx,
                              store::Dialect dialect,
                              std::string_view user_id,
                              const TaskQuery& q) {
    auto path = SearchPath::index;
    if (q.search && dialect == store::Dialect::sqlite && utf8_length(*q.search).value_or(0) >= kIndexedSearchMin) {
        // FTS5 reads a phrase's matches lazily, so counting stops at the bound however common the needle.
        const Value probe[] = {fts_phrase(*q.search), kIndexMatchesMax + 1};
        const auto rows =
            tx.query("SELECT count(*) FROM (SELECT 1 FROM task_search WHERE task_search MATCH $1 LIMIT $2)", probe);
        const auto matches = rows.at(0).int64(0);
        if (matches == 0) return {};  // no task of anyone's holds it
        if (matches > kIndexMatchesMax) path = SearchPath::user_rows;
    }
    const auto statement = list_statement(dialect, user_id, q, path);
    auto rows = tx.query(statement.sql, statement.params);
    TaskPage page;
    const bool more = rows.size() > static_cast<std::size_t>(q.limit);
    if (more) rows.pop_back();
    page.docs.reserve(rows.size());
    for (auto& row : rows) page.docs.push_back(row.text(0));
    if (more) {
        const auto& last = rows.back();
        Cursor c{.key = std::string{}, .id = last.text(1)};
        if (q.sort == SortKey::priority)
            c.key = last.int64(2);
        else
            c.key = last.text(2);
        page.next_cursor = encode_cursor(q, c);
    }
    return page;
}

}  // namespace todoai::todo
