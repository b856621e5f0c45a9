#pragma once
// One public key of a JWKS (RFC 7517) and JWS signature checks with it (RFC 7515/7518/8037), on OpenSSL:
// EdDSA (OKP Ed25519), ES256 (EC P-256) and RS256 (RSA). libjwt 1.10 has no EdDSA and wants PEM, so not it.
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace todoai::auth {

class PublicKey {
  public:
    struct Impl;
    explicit PublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

    const std::string& kid() const;
    /// The JWS `alg` this key verifies ("EdDSA", "ES256", "RS256"): the JWK's own `alg`, else implied by its kty/crv.
    /// A token's header must name the same one (never the token's choice over the key's).
    const std::string& alg() const;

    /// Checks `signature` (raw bytes, base64url-decoded) over `signing_input` ("<header>.<payload>").
    bool verify(std::string_view signing_input, std::string_view signature) const;

  private:
    std::shared_ptr<const Impl> impl_;
};

/// A key from its JWK; the error says what is wrong (unsupported kty/crv/alg, a bad coordinate). Keys whose `use`
/// is not "sig" are refused.
std::variant<PublicKey, std::string> parse_jwk(const boost::json::object& jwk);

}  // namespace todoai::auth
