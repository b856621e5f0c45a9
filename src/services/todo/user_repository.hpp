#pragma once
#include <optional>
#include <string>

#include "runtime/store/database.hpp"

namespace todoai::todo {

struct User {
    std::string id;
    std::string email;  // lowercased
    std::string name;
    std::string password_hash;
    std::string created_at;
};

class UserRepository {
  public:
    /// Throws store::StoreError of kind constraint when the email is taken.
    static void insert(store::Transaction& tx, const User& user);
    static std::optional<User> find_by_email(store::Transaction& tx, std::string_view email);
    static std::optional<User> find_by_id(store::Transaction& tx, std::string_view id);
};

}  // namespace todoai::todo
