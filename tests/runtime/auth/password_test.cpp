#include "runtime/auth/password.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace todoai::auth {
namespace {

TEST(PasswordHasherTest, HashVerifiesAndIsSalted) {
    const PasswordHasher hasher;
    const std::string hash = hasher.hash("correct horse battery staple");
    EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
    EXPECT_TRUE(hasher.verify("correct horse battery staple", hash));
    EXPECT_FALSE(hasher.verify("correct horse battery stapl", hash));
    EXPECT_FALSE(hasher.verify("", hash));
    EXPECT_NE(hasher.hash("correct horse battery staple"), hash);  // a new salt each time
}

TEST(PasswordHasherTest, EmptyAndBinaryPasswordsWork) {
    const PasswordHasher hasher(1);
    const std::string binary("p\0ss\xff", 5);
    const std::string hash = hasher.hash(binary);
    EXPECT_TRUE(hasher.verify(binary, hash));
    EXPECT_FALSE(hasher.verify(std::string_view("p"), hash));  // no truncation at the NUL
    const std::string empty_hash = hasher.hash("");
    EXPECT_TRUE(hasher.verify("", empty_hash));
    EXPECT_FALSE(hasher.verify(" ", empty_hash));
}

TEST(PasswordHasherTest, GarbageStoredHashIsAMismatch) {
    const PasswordHasher hasher;
    const std::string good = hasher.hash("pw");
    EXPECT_FALSE(hasher.verify("pw", ""));
    EXPECT_FALSE(hasher.verify("pw", "garbage"));
    EXPECT_FALSE(hasher.verify("pw", "$argon2id$"));
    EXPECT_FALSE(hasher.verify("pw", "$argon2id$v=19$m=65536,t=2,p=1$bad$bad"));
    EXPECT_FALSE(hasher.verify("pw", good.substr(0, good.size() - 4)));
    EXPECT_FALSE(hasher.verify("pw", good + std::string("\0", 1)));
    EXPECT_FALSE(hasher.verify("pw", std::string(4096, '$')));
    EXPECT_FALSE(hasher.verify("pw", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));  // bcrypt
    EXPECT_TRUE(hasher.verify("pw", good));
}

TEST(PasswordHasherTest, InvalidConcurrencyIsRejected) {
    EXPECT_THROW(PasswordHasher(0), std::invalid_argument);
    EXPECT_THROW(PasswordHasher(-3), std::invalid_argument);
}

TEST(PasswordHasherTest, ConcurrentCallersBeyondTheBoundAllFinish) {
    const PasswordHasher hasher(1);
    std::vector<std::string> hashes(4);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            hashes[i] = hasher.hash("pw-" + std::to_string(i));
            if (!hasher.verify("pw-" + std::to_string(i), hashes[i])) ++failures;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    const PasswordHasher copy = hasher;  // copies share the bound and verify the same hashes
    EXPECT_TRUE(copy.verify("pw-3", hashes[3]));
    EXPECT_FALSE(copy.verify("pw-3", hashes[2]));
}

}  // namespace
}  // namespace todoai::auth
