#include "server/model_routes.h"

#include <nlohmann/json.hpp>

#include "models/catalog.h"
#include "models/models_dir.h"
#include "server/job_routes.h"

namespace facefuse::server {

void AddModelRoutes(httplib::Server& http) {
  http.Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
    Result<models::ModelsDir> dir = models::ResolveModelsDir("");
    if (!dir.ok()) return ReplyError(res, Unavailable("no models directory: " + dir.status().message()));
    nlohmann::json list = nlohmann::json::array();
    for (const models::ModelEntry& entry : models::Catalog()) {
      const bool installed = models::Usable(models::InspectInstallation(entry, *dir).state);
      list.push_back({{"name", entry.name}, {"kind", models::ModelKindName(entry.kind)}, {"installed", installed}});
    }
    ReplyJson(res, 200, {{"models", list}, {"builtin_swappers", nlohmann::json::array({"classical"})}});
  });
}

}  // namespace facefuse::server
