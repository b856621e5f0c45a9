#include "runtime/auth/password.hpp"

#include <sodium.h>

#include <mutex>
#include <new>
#include <semaphore>
#include <stdexcept>

namespace todoai::auth {
namespace {

void init_sodium() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    });
}

}  // namespace

struct PasswordHasher::Gate {
    explicit Gate(int n) : slots(n) {}
    std::counting_semaphore<> slots;
};

namespace {

// Holds one of the hasher's slots for the duration of a hash or a verification.
class Slot {
  public:
    explicit Slot(std::counting_semaphore<>& s) : s_(s) { s_.acquire(); }
    ~Slot() { s_.release(); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

  private:
    std::counting_semaphore<>& s_;
};

}  // namespace

PasswordHasher::PasswordHasher(int max_concurrent) {
    if (max_concurrent < 1) throw std::invalid_argument("PasswordHasher: max_concurrent must be at least 1");
    init_sodium();
    gate_ = std::make_shared<Gate>(max_concurrent);
}

std::string PasswordHasher::hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    Slot slot(gate_->slots);
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        throw std::bad_alloc();  // the only documented failure: not enough memory
    }
    return std::string(out);
}

bool PasswordHasher::verify(std::string_view password, std::string_view stored_hash) const {
    // Reject what cannot be an encoded argon2 hash before taking a slot (and 64 MiB).
    if (stored_hash.size() >= crypto_pwhash_STRBYTES || !stored_hash.starts_with("$argon2") ||
        stored_hash.find('\0') != std::string_view::npos) {
        return false;
    }
    char stored[crypto_pwhash_STRBYTES] = {};
    stored_hash.copy(stored, stored_hash.size());
    Slot slot(gate_->slots);
    return crypto_pwhash_str_verify(stored, password.data(), password.size()) == 0;
}

}  // namespace todoai::auth
