#include "server/auth.h"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <strings.h>

#include <algorithm>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

namespace facefuse::server {
namespace {

constexpr size_t kMinKeyLength = 16;
constexpr size_t kMinSecretBytes = 32;

std::array<unsigned char, 32> Sha256(const std::string& text) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

std::string Trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

Result<std::string> ReadWhole(const std::filesystem::path& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(std::string("cannot read the ") + what + " " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A numeric claim of a token: whether it is there, and its value when it is a whole number.
struct Claim {
  bool present = false;
  std::optional<long> value;
};

// The claim `name` read from its JSON text (libjwt reads a string claim as the number 0).
Claim IntegerClaim(jwt_t* jwt, const char* name) {
  Claim claim;
  char* text = jwt_get_grants_json(jwt, name);
  if (text == nullptr) return claim;
  claim.present = true;
  const std::string json(text);
  free(text);
  const size_t digits_from = !json.empty() && json[0] == '-' ? 1 : 0;
  if (json.size() > digits_from && json.size() < 19 && json.find_first_not_of("0123456789", digits_from) == std::string::npos) {
    claim.value = std::stol(json);
  }
  return claim;
}

// A decoded token, freed when it goes.
struct Token {
  jwt_t* jwt = nullptr;
  ~Token() { jwt_free(jwt); }
};

}  // namespace

Result<std::unique_ptr<Authenticator>> Authenticator::Load(const AuthOptions& options) {
  if (options.api_keys_file.empty() && options.jwt_secret_file.empty()) {
    return InvalidArgument("authentication needs an API keys file or a JWT secret file");
  }
  std::unique_ptr<Authenticator> auth(new Authenticator());
  if (!options.api_keys_file.empty()) {
    FF_ASSIGN_OR_RETURN(std::string text, ReadWhole(options.api_keys_file, "API keys file"));
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
      line = Trim(line);
      if (line.empty() || line[0] == '#') continue;
      const std::string where = options.api_keys_file.string() + ":" + std::to_string(number);
      const size_t colon = line.find(':');
      if (colon == std::string::npos || colon == 0) return InvalidArgument(where + ": expected NAME:KEY");
      const std::string name = Trim(line.substr(0, colon));
      const std::string key = Trim(line.substr(colon + 1));
      if (key.size() < kMinKeyLength) {
        return InvalidArgument(where + ": the key of " + name + " is shorter than " + std::to_string(kMinKeyLength) +
                               " characters");
      }
      const std::array<unsigned char, 32> digest = Sha256(key);
      for (const Key& known : auth->keys_) {
        if (known.name == name) return InvalidArgument(where + ": " + name + " has a key already");
        if (known.digest == digest) return InvalidArgument(where + ": " + name + "'s key is " + known.name + "'s already");
      }
      auth->keys_.push_back({name, digest});
    }
    if (auth->keys_.empty()) return InvalidArgument(options.api_keys_file.string() + ": no NAME:KEY line");
  }
  if (!options.jwt_secret_file.empty()) {
    FF_ASSIGN_OR_RETURN(std::string secret, ReadWhole(options.jwt_secret_file, "JWT secret file"));
    secret = Trim(secret);
    if (secret.size() < kMinSecretBytes) {
      return InvalidArgument(options.jwt_secret_file.string() + ": the JWT secret must be at least " +
                             std::to_string(kMinSecretBytes) + " bytes");
    }
    auth->jwt_secret_ = std::move(secret);
  }
  return auth;
}

Result<std::string> Authenticator::Authenticate(const std::string& authorization_header) const {
  if (authorization_header.empty()) {
    return Unauthenticated("this server needs a credential: send Authorization: Bearer <API key or token>");
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization_header.size() <= kBearer.size() ||
      strncasecmp(authorization_header.c_str(), kBearer.data(), kBearer.size()) != 0) {
    return Unauthenticated("the Authorization header is not a bearer credential (Authorization: Bearer ...)");
  }
  const std::string credential = Trim(authorization_header.substr(kBearer.size()));
  if (!keys_.empty()) {
    const std::array<unsigned char, 32> digest = Sha256(credential);
    const Key* match = nullptr;
    for (const Key& key : keys_) {  // every key is compared: the time does not tell which one matched
      if (CRYPTO_memcmp(key.digest.data(), digest.data(), digest.size()) == 0) match = &key;
    }
    if (match != nullptr) return match->name;
  }
  if (!jwt_secret_.empty() && std::count(credential.begin(), credential.end(), '.') == 2) {
    return AuthenticateToken(credential);
  }
  return Unauthenticated("the credential is not a known API key" +
                         std::string(jwt_secret_.empty() ? "" : " or a token signed for this server"));
}

Result<std::string> Authenticator::AuthenticateToken(const std::string& token) const {
  Token decoded;
  if (jwt_decode(&decoded.jwt, token.c_str(), reinterpret_cast<const unsigned char*>(jwt_secret_.data()),
                 static_cast<int>(jwt_secret_.size())) != 0 ||
      decoded.jwt == nullptr) {
    return Unauthenticated("the token's signature does not verify (or it is not a token)");
  }
  if (jwt_get_alg(decoded.jwt) != JWT_ALG_HS256) return Unauthenticated("the token is not signed with HS256");
  const long now = static_cast<long>(std::chrono::system_clock::to_time_t(now_()));
  const Claim expires = IntegerClaim(decoded.jwt, "exp");
  if (!expires.present) return Unauthenticated("the token has no exp (expiry)");
  if (!expires.value) return Unauthenticated("the token's exp is not a whole number of seconds");
  if (*expires.value <= now) return Unauthenticated("the token has expired");
  const Claim not_before = IntegerClaim(decoded.jwt, "nbf");
  if (not_before.present && !not_before.value) {
    return Unauthenticated("the token's nbf is not a whole number of seconds");
  }
  if (not_before.value && *not_before.value > now) return Unauthenticated("the token is not valid yet (nbf)");
  const char* subject = jwt_get_grant(decoded.jwt, "sub");
  if (subject == nullptr || *subject == '\0') return Unauthenticated("the token has no sub (whose it is)");
  return std::string(subject);
}

}  // namespace facefuse::server
