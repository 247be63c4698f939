// Who is calling: bearer authentication of the job API. A request carries `Authorization: Bearer <credential>`,
// where the credential is one of
//   - an API key from the keys file (one `NAME:KEY` a line; # comments; keys of 16 characters or more), or
//   - a JSON Web Token signed HS256 with the shared secret of the secret file, with an `exp` in the future and a
//     `sub` (its principal; `nbf`, when present, in the past).
// The principal (the key's NAME, the token's sub) owns the jobs it submits and sees only those.
//
// Keys are compared by their SHA-256 digests in constant time; the secret and the keys stay in memory only.
// Thread safety: Authenticate may be called from any thread at once (the object is read-only once loaded).
#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "facefuse/status.h"

namespace facefuse::server {

struct AuthOptions {
  std::filesystem::path api_keys_file;    // empty: no API keys
  std::filesystem::path jwt_secret_file;  // empty: no tokens
};

class Authenticator {
 public:
  // Reads the files of `options`. Errors: InvalidArgument naming the file and line for a malformed keys file (a line
  // without NAME:KEY, a key under 16 characters, a name or a key twice), an empty secret or one under 32 bytes; IoError
  // naming a file that cannot be read; InvalidArgument when neither file is given.
  static Result<std::unique_ptr<Authenticator>> Load(const AuthOptions& options);

  // The principal the `Authorization` header's value proves. Errors: Unauthenticated saying why (no header, not a
  // bearer credential, an unknown key, a token with a bad signature, another algorithm, expired, not yet valid, or
  // without sub) without echoing the credential.
  Result<std::string> Authenticate(const std::string& authorization_header) const;

  // For tests: the clock tokens are checked against (default: the system clock).
  void set_clock(std::function<std::chrono::system_clock::time_point()> now) { now_ = std::move(now); }

 private:
  struct Key {
    std::string name;
    std::array<unsigned char, 32> digest;
  };
  Result<std::string> AuthenticateToken(const std::string& token) const;

  std::vector<Key> keys_;
  std::string jwt_secret_;  // empty: tokens are not accepted
  std::function<std::chrono::system_clock::time_point()> now_ = [] { return std::chrono::system_clock::now(); };
};

}  // namespace facefuse::server
