#include "server/web_routes.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>

#include "server/job_routes.h"
#include "server/web_assets.h"

namespace facefuse::server {
namespace {

bool ServableName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

// The bytes of web file `name`: from `web_dir` when given, else embedded. Nothing for an unknown name.
std::optional<std::string> WebFileBytes(const std::filesystem::path& web_dir, std::string_view name) {
  if (!ServableName(name)) return std::nullopt;
  if (web_dir.empty()) {
    for (const WebFile& file : EmbeddedWebFiles())
      if (file.name == name) return std::string(file.bytes);
    return std::nullopt;
  }
  const std::filesystem::path path = web_dir / std::string(name);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void SendWebFile(const std::filesystem::path& web_dir, std::string_view name, httplib::Response& res) {
  std::optional<std::string> bytes = WebFileBytes(web_dir, name);
  if (!bytes) return ReplyError(res, NotFound("no web file " + std::string(name.substr(0, 64))));
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; object-src 'none'");
  res.set_content(std::move(*bytes), WebContentType(name));
}

}  // namespace

std::string WebContentType(std::string_view name) {
  const auto ends_with = [name](std::string_view ext) { return name.ends_with(ext); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js") || ends_with(".mjs")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  if (ends_with(".json")) return "application/json";
  if (ends_with(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

void AddWebRoutes(httplib::Server& http, const std::filesystem::path& web_dir) {
  http.Get("/", [web_dir](const httplib::Request&, httplib::Response& res) {
    SendWebFile(web_dir, "index.html", res);
  });
  http.Get(R"(/web/([^/]+))", [web_dir](const httplib::Request& req, httplib::Response& res) {
    SendWebFile(web_dir, req.matches[1].str(), res);
  });
}

}  // namespace facefuse::server
