// The names of stored results: "JOB_FOLDER/FILE_NAME", made of letters, digits and . _ - only (two parts, neither
// "." nor ".."), so that a key is the same safe path in a folder and the same object name, unescaped, in a bucket.
#pragma once

#include <string>
#include <string_view>

#include "facefuse/status.h"

namespace facefuse::storage {

// OK when `key` is a result key as above. Errors: InvalidArgument naming the key (cut to 80 characters).
Status CheckResultKey(std::string_view key);

// True when every character of `text` is a letter, a digit, '.', '_', '-' or, with `slashes`, '/'.
bool IsPlainName(std::string_view text, bool slashes = false);

}  // namespace facefuse::storage
