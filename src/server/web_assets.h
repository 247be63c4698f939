// The web page's files (the repository's web/ folder), built into the binary by cmake/embed_web.cmake, so that a
// bare `facefuse serve` serves its page with nothing installed beside it.
#pragma once

#include <span>
#include <string_view>

namespace facefuse::server {

struct WebFile {
  std::string_view name;   // "index.html", "app.js", ...: the file's name in web/
  std::string_view bytes;  // its content, alive for the life of the process
};

// Every embedded file, sorted by name; empty when the build had no web/ folder.
std::span<const WebFile> EmbeddedWebFiles();

}  // namespace facefuse::server
