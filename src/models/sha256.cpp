#include "models/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <vector>

namespace facefuse::models {

Result<std::string> Sha256OfFile(const std::filesystem::path& path, Env* env) {
  auto file = env->NewSequentialFile(path);
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) return NotFound("no such file: " + path.string());
    return file.status();
  }
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return Internal("OpenSSL SHA-256 init failed");
  std::vector<unsigned char> block(1 << 20);
  for (;;) {
    FF_ASSIGN_OR_RETURN(const size_t n, (*file)->Read(block));
    if (n == 0) break;
    if (EVP_DigestUpdate(ctx.get(), block.data(), n) != 1) return Internal("OpenSSL SHA-256 update failed");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &digest_len) != 1) return Internal("OpenSSL SHA-256 final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * digest_len);
  for (unsigned int i = 0; i < digest_len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

}  // namespace facefuse::models
