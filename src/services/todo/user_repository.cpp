#include "services/todo/user_repository.hpp"

namespace todoai::todo {
namespace {

std::optional<User> first_user(const store::Rows& rows) {
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    return User{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4)};
}

}  // namespace

void UserRepository::insert(store::Transaction& tx, const User& user) {
    tx.execute("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
               {user.id, user.email, user.name, user.password_hash, user.created_at});
}

std::optional<User> UserRepository::find_by_email(store::Transaction& tx, std::string_view email) {
    return first_user(tx.query("SELECT id, email, name, password_hash, created_at FROM users WHERE email = $1",
                               {std::string(email)}));
}

std::optional<User> UserRepository::find_by_id(store::Transaction& tx, std::string_view id) {
    return first_user(
        tx.query("SELECT id, email, name, password_hash, created_at FROM users WHERE id = $1", {std::string(id)}));
}

}  // namespace todoai::todo
