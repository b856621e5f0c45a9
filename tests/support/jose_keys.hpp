#pragma once
// Keys generated per test run (OpenSSL) and the JWTs they sign: what an issuer such as Better Auth publishes in its
// JWKS and hands to its front end. EdDSA (Ed25519), ES256 (P-256) and RS256 (RSA 2048).
#include <boost/json/object.hpp>
#include <memory>
#include <string>

namespace todoai::testing {

class JoseKey {
  public:
    static JoseKey ed25519(std::string kid);
    static JoseKey es256(std::string kid);
    static JoseKey rs256(std::string kid);

    JoseKey(JoseKey&&) noexcept;
    JoseKey& operator=(JoseKey&&) noexcept;
    ~JoseKey();

    const std::string& kid() const;
    const std::string& alg() const;

    /// The public key as a JWK (kty, crv/x/y or n/e, kid, alg, use "sig").
    boost::json::object jwk() const;

    /// A compact JWS of `claims` with header {"alg": alg(), "kid": kid(), "typ": "JWT"}; `header_alg` replaces the
    /// header's alg (the signature stays this key's), for tokens that lie about their algorithm.
    std::string sign(const boost::json::object& claims, std::string header_alg = {}) const;

  private:
    struct Impl;
    explicit JoseKey(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// {"keys": [jwk...]} serialized.
std::string jwks_document(std::initializer_list<const JoseKey*> keys);

}  // namespace todoai::testing
