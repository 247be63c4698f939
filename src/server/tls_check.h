// The TLS certificate and key serve is given, checked before the HTTPS server reads them: OpenSSL would prompt on the
// terminal for an encrypted key's passphrase (and wait), and would take a key of another type than the
// certificate's (every handshake then fails).
#pragma once

#include <filesystem>

#include "facefuse/status.h"

namespace facefuse::server {

// OK when `cert` holds a PEM certificate and `key` an unencrypted PEM private key that is the certificate's. Errors:
// InvalidArgument naming the file and what is wrong (missing or unreadable, not PEM, encrypted, not the pair).
Status CheckTlsPair(const std::filesystem::path& cert, const std::filesystem::path& key);

}  // namespace facefuse::server
