#include "server/tls_check.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace facefuse::server {
namespace {

// A passphrase callback that answers none: an encrypted key fails instead of prompting.
int NoPassphrase(char*, int, int, void*) { return -1; }

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

File Open(const std::filesystem::path& path) { return File(std::fopen(path.c_str(), "r"), std::fclose); }

}  // namespace

Status CheckTlsPair(const std::filesystem::path& cert, const std::filesystem::path& key) {
  std::ifstream key_in(key);
  std::stringstream key_text;
  key_text << key_in.rdbuf();
  if (!key_in) return InvalidArgument("the TLS key " + key.string() + " cannot be read");
  if (key_text.str().find("ENCRYPTED") != std::string::npos) {
    return InvalidArgument("the TLS key " + key.string() + " is encrypted: give it without a passphrase");
  }
  File cert_file = Open(cert);
  if (!cert_file) return InvalidArgument("the TLS certificate " + cert.string() + " cannot be read");
  std::unique_ptr<X509, void (*)(X509*)> x509(PEM_read_X509(cert_file.get(), nullptr, NoPassphrase, nullptr),
                                              X509_free);
  if (!x509) return InvalidArgument("the TLS certificate " + cert.string() + " is not a PEM certificate");
  File key_file = Open(key);
  if (!key_file) return InvalidArgument("the TLS key " + key.string() + " cannot be read");
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey(
      PEM_read_PrivateKey(key_file.get(), nullptr, NoPassphrase, nullptr), EVP_PKEY_free);
  if (!pkey) return InvalidArgument("the TLS key " + key.string() + " is not a PEM private key");
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    return InvalidArgument("the TLS key " + key.string() + " is not the key of the certificate " + cert.string());
  }
  return Status::Ok();
}

}  // namespace facefuse::server
