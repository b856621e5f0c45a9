#include <gtest/gtest.h>

#include "runtime/store/database.hpp"

namespace todoai::store {
namespace {

Row sample() { return Row({nullptr, std::int64_t{42}, 2.5, std::string("text")}); }

TEST(RowTest, TypedAccessorsReturnTheirType) {
    const Row row = sample();
    EXPECT_EQ(row.size(), 4u);
    EXPECT_TRUE(row.is_null(0));
    EXPECT_FALSE(row.is_null(1));
    EXPECT_EQ(row.int64(1), 42);
    EXPECT_DOUBLE_EQ(row.real(2), 2.5);
    EXPECT_DOUBLE_EQ(row.real(1), 42.0);  // integers widen
    EXPECT_EQ(row.text(3), "text");
    EXPECT_EQ(row.optional_int64(1), 42);
    EXPECT_EQ(row.optional_text(3), "text");
    EXPECT_EQ(row.optional_int64(0), std::nullopt);
    EXPECT_EQ(row.optional_text(0), std::nullopt);
}

TEST(RowTest, WrongTypeOrNullThrowsStoreErrorNamingTheColumn) {
    const Row row = sample();
    EXPECT_THROW(row.int64(0), StoreError);
    EXPECT_THROW(row.int64(2), StoreError);  // no silent truncation of reals
    EXPECT_THROW(row.int64(3), StoreError);
    EXPECT_THROW(row.real(3), StoreError);
    EXPECT_THROW(row.text(1), StoreError);
    EXPECT_THROW(row.optional_text(1), StoreError);
    EXPECT_THROW(row.optional_int64(3), StoreError);
    try {
        row.text(1);
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), StoreError::Kind::other);
        EXPECT_STREQ(e.what(), "column 1 is integer, expected text");
    }
}

TEST(RowTest, OutOfRangeColumnThrows) {
    const Row row = sample();
    EXPECT_THROW(row.value(4), std::out_of_range);
    EXPECT_THROW(row.int64(9), std::out_of_range);
}

}  // namespace
}  // namespace todoai::store
