// The web page of `facefuse serve`: GET / answers index.html, GET /web/NAME the page's other files (scripts,
// styles). The files are the ones built into the binary (server/web_assets.h), or those of a folder given for
// development (`serve --web-dir DIR`), read on every request so that an edit shows on reload.
//
// Only flat names of [A-Za-z0-9._-] not starting with a dot are served: no request path reaches the
// filesystem unchecked. Thread safety: the handlers share only read-only data.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace facefuse::server {

// The Content-Type of a web file, by its extension ("app.js" -> "text/javascript; charset=utf-8").
std::string WebContentType(std::string_view name);

// Registers GET / and GET /web/NAME on `http`. Empty `web_dir`: the embedded files.
void AddWebRoutes(httplib::Server& http, const std::filesystem::path& web_dir);

}  // namespace facefuse::server
