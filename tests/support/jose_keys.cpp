#include "support/jose_keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace todoai::testing {
namespace {

std::string b64url(std::string_view in) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
        }
    }
    if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
    return out;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("jose_keys: " + what); }

std::string bn_param(EVP_PKEY* key, const char* name, int pad) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) fail(std::string("no parameter ") + name);
    std::string out(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return out;
}

}  // namespace

struct JoseKey::Impl {
    std::string kid, alg;
    EVP_PKEY* key = nullptr;
    ~Impl() { EVP_PKEY_free(key); }
};

JoseKey::JoseKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JoseKey::JoseKey(JoseKey&&) noexcept = default;
JoseKey& JoseKey::operator=(JoseKey&&) noexcept = default;
JoseKey::~JoseKey() = default;

JoseKey JoseKey::ed25519(std::string kid) {
    auto impl = std::make_unique<Impl>();
    impl->kid = std::move(kid);
    impl->alg = "EdDSA";
    impl->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (impl->key == nullptr) fail("Ed25519 keygen");
    return JoseKey(std::move(impl));
}

JoseKey JoseKey::es256(std::string kid) {
    auto impl = std::make_unique<Impl>();
    impl->kid = std::move(kid);
    impl->alg = "ES256";
    impl->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (impl->key == nullptr) fail("P-256 keygen");
    return JoseKey(std::move(impl));
}

JoseKey JoseKey::rs256(std::string kid) {
    auto impl = std::make_unique<Impl>();
    impl->kid = std::move(kid);
    impl->alg = "RS256";
    impl->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    if (impl->key == nullptr) fail("RSA keygen");
    return JoseKey(std::move(impl));
}

const std::string& JoseKey::kid() const { return impl_->kid; }
const std::string& JoseKey::alg() const { return impl_->alg; }

boost::json::object JoseKey::jwk() const {
    boost::json::object o{{"kid", impl_->kid}, {"alg", impl_->alg}, {"use", "sig"}};
    if (impl_->alg == "EdDSA") {
        std::string raw(32, '\0');
        size_t n = raw.size();
        if (EVP_PKEY_get_raw_public_key(impl_->key, reinterpret_cast<unsigned char*>(raw.data()), &n) != 1)
            fail("Ed25519 public key");
        o["kty"] = "OKP";
        o["crv"] = "Ed25519";
        o["x"] = b64url(raw);
    } else if (impl_->alg == "ES256") {
        o["kty"] = "EC";
        o["crv"] = "P-256";
        o["x"] = b64url(bn_param(impl_->key, OSSL_PKEY_PARAM_EC_PUB_X, 32));
        o["y"] = b64url(bn_param(impl_->key, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
    } else {
        o["kty"] = "RSA";
        o["n"] = b64url(bn_param(impl_->key, OSSL_PKEY_PARAM_RSA_N, 0));
        o["e"] = b64url(bn_param(impl_->key, OSSL_PKEY_PARAM_RSA_E, 0));
    }
    return o;
}

std::string JoseKey::sign(const boost::json::object& claims, std::string header_alg) const {
    const boost::json::object header{
        {"alg", header_alg.empty() ? impl_->alg : header_alg}, {"kid", impl_->kid}, {"typ", "JWT"}};
    const std::string input = b64url(boost::json::serialize(header)) + "." + b64url(boost::json::serialize(claims));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const EVP_MD* md = impl_->alg == "EdDSA" ? nullptr : EVP_sha256();
    size_t len = 0;
    if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, impl_->key) != 1 ||
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
        fail("sign init");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
        fail("sign");
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    if (impl_->alg == "ES256") {  // DER -> r || s, as JWS wants it
        const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
        ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
        if (es == nullptr) fail("ECDSA DER");
        std::string raw(64, '\0');
        BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
        ECDSA_SIG_free(es);
        sig = raw;
    }
    return input + "." + b64url(sig);
}

std::string jwks_document(std::initializer_list<const JoseKey*> keys) {
    boost::json::array arr;
    for (const auto* k : keys) arr.push_back(k->jwk());
    return boost::json::serialize(boost::json::object{{"keys", std::move(arr)}});
}

}  // namespace todoai::testing
