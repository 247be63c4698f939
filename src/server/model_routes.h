// GET /v1/models: the catalog's models and whether this server has each, so that a client (the web page) offers
// only swappers and enhancers a job can use. Read-only; the models directory is the one jobs resolve
// (models::ResolveModelsDir: FACEFUSE_MODELS_DIR, XDG_DATA_HOME, HOME), looked at on each request.
#pragma once

#include <httplib.h>

namespace facefuse::server {

// Adds GET /v1/models to `http`: 200 {"models": [{"name", "kind", "installed"}], "builtin_swappers": ["classical"]}
// in catalog order; 503 (the error shape) when no models directory can be chosen.
void AddModelRoutes(httplib::Server& http);

}  // namespace facefuse::server
