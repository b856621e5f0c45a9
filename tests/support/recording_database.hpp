#pragma once
// A Database that passes everything to another one and keeps the text and parameters of each statement run through
// it, so a plan test reads the plans of exactly the statements a service function ran (support/query_plan.hpp)
// instead of copies of them that could drift.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/store/database.hpp"

namespace todoai::testing {

struct RecordedStatement {
    std::string sql;
    std::vector<store::Value> params;
};

class RecordingDatabase final : public store::Database {
  public:
    explicit RecordingDatabase(store::Database& inner) : inner_(inner) {}

    std::unique_ptr<store::Transaction> begin(Access access) override {
        return std::make_unique<RecordingTransaction>(inner_.begin(access), *this);
    }
    void migrate(std::span<const store::Migration> migrations) override { inner_.migrate(migrations); }
    bool ping() override { return inner_.ping(); }
    store::Dialect dialect() const override { return inner_.dialect(); }

    /// The statements run so far, in order; clears the record.
    std::vector<RecordedStatement> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(statements_, {});
    }

  private:
    class RecordingTransaction final : public store::Transaction {
      public:
        RecordingTransaction(std::unique_ptr<store::Transaction> inner, RecordingDatabase& owner)
            : inner_(std::move(inner)), owner_(owner) {}
        using Transaction::execute;
        using Transaction::execute_deferred;
        using Transaction::query;
        store::Rows query(std::string_view sql, std::span<const store::Value> params) override {
            owner_.record(sql, params);
            return inner_->query(sql, params);
        }
        std::int64_t execute(std::string_view sql, std::span<const store::Value> params) override {
            owner_.record(sql, params);
            return inner_->execute(sql, params);
        }
        void execute_deferred(std::string_view sql, std::span<const store::Value> params) override {
            owner_.record(sql, params);
            inner_->execute_deferred(sql, params);
        }
        void commit() override { inner_->commit(); }

      private:
        std::unique_ptr<store::Transaction> inner_;
        RecordingDatabase& owner_;
    };

    void record(std::string_view sql, std::span<const store::Value> params) {
        std::lock_guard lock(mutex_);
        statements_.push_back({std::string(sql), {params.begin(), params.end()}});
    }

    store::Database& inner_;
    std::mutex mutex_;
    std::vector<RecordedStatement> statements_;
};

}  // namespace todoai::testing
