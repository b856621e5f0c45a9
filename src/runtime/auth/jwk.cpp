#include "runtime/auth/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json/string.hpp>
#include <optional>

#include "core/base64url.hpp"

namespace todoai::auth {

struct PublicKey::Impl {
    std::string kid;
    std::string alg;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, &EVP_PKEY_free};
};

namespace {

using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using Params = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::optional<std::string> member(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

std::optional<std::string> decoded(const boost::json::object& o, std::string_view key) {
    auto text = member(o, key);
    if (!text) return std::nullopt;
    return base64url_decode(*text);
}

Bignum bignum(const std::string& bytes) {
    return Bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                            nullptr),
                  &BN_free);
}

// Builds a key of `type` ("EC", "RSA") from the parameters `fill` puts into the builder.
template <typename Fill>
EVP_PKEY* from_params(const char* type, Fill fill) {
    ParamBuild bld(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
    if (!bld || !fill(bld.get())) return nullptr;
    Params params(OSSL_PARAM_BLD_to_param(bld.get()), &OSSL_PARAM_free);
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), &EVP_PKEY_CTX_free);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return nullptr;
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) return nullptr;
    return key;
}

// JWS ES256 signatures are r || s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> es256_to_der(std::string_view raw) {
    if (raw.size() != 64) return std::nullopt;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    if (sig == nullptr) return std::nullopt;
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
    BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
    if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return std::nullopt;
    }
    unsigned char* der = nullptr;
    const int n = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (n <= 0) return std::nullopt;
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    return out;
}

}  // namespace

const std::string& PublicKey::kid() const { return impl_->kid; }
const std::string& PublicKey::alg() const { return impl_->alg; }

bool PublicKey::verify(std::string_view signing_input, std::string_view signature) const {
    std::string sig(signature);
    const EVP_MD* md = nullptr;
    if (impl_->alg == "ES256") {
        auto der = es256_to_der(signature);
        if (!der) return false;
        sig = std::move(*der);
        md = EVP_sha256();
    } else if (impl_->alg == "RS256") {
        md = EVP_sha256();
    }  // EdDSA: no digest (Ed25519 hashes internally)
    MdCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, impl_->key.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

std::variant<PublicKey, std::string> parse_jwk(const boost::json::object& jwk) {
    auto impl = std::make_shared<PublicKey::Impl>();
    impl->kid = member(jwk, "kid").value_or("");
    const auto kty = member(jwk, "kty").value_or("");
    const auto crv = member(jwk, "crv").value_or("");
    const auto alg = member(jwk, "alg");
    if (auto use = member(jwk, "use"); use && *use != "sig") return "key '" + impl->kid + "' is not for signatures";

    std::string implied;
    EVP_PKEY* key = nullptr;
    if (kty == "OKP" && crv == "Ed25519") {
        implied = "EdDSA";
        auto x = decoded(jwk, "x");
        if (!x || x->size() != 32) return "key '" + impl->kid + "': Ed25519 'x' must be 32 bytes";
        key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()),
                                          x->size());
    } else if (kty == "EC" && crv == "P-256") {
        implied = "ES256";
        auto x = decoded(jwk, "x");
        auto y = decoded(jwk, "y");
        if (!x || !y || x->size() != 32 || y->size() != 32)
            return "key '" + impl->kid + "': P-256 'x' and 'y' must be 32 bytes each";
        const std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
        key = from_params("EC", [&](OSSL_PARAM_BLD* bld) {
            return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
                   OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
        });
    } else if (kty == "RSA") {
        implied = "RS256";
        auto n = decoded(jwk, "n");
        auto e = decoded(jwk, "e");
        if (!n || !e || n->size() < 256) return "key '" + impl->kid + "': RSA needs 'n' of at least 2048 bits and 'e'";
        Bignum bn_n = bignum(*n), bn_e = bignum(*e);
        if (!bn_n || !bn_e) return "key '" + impl->kid + "': bad RSA parameters";
        key = from_params("RSA", [&](OSSL_PARAM_BLD* bld) {
            return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
                   OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1;
        });
    } else {
        return "key '" + impl->kid + "': unsupported kty '" + kty + "'" + (crv.empty() ? "" : " crv '" + crv + "'");
    }
    if (key == nullptr) return "key '" + impl->kid + "': OpenSSL refused its parameters";
    impl->key.reset(key);
    if (alg && *alg != implied) return "key '" + impl->kid + "': alg '" + *alg + "' does not fit kty '" + kty + "'";
    impl->alg = implied;
    return PublicKey(std::move(impl));
}

}  // namespace todoai::auth
