// OpenNvml with the Env whose wall clock stamps the readings (the public
// OpenNvml() in facefuse/gpu.h uses Env::Default()), so that tests can set the
// time a reading reports.
#pragma once

#include <memory>

#include "common/env.h"
#include "facefuse/gpu.h"

namespace facefuse::gpu {

// As OpenNvml(); each reading's time is `env->Now()`. `env` must outlive the
// source (Env::Default() when null).
Result<std::unique_ptr<GpuSource>> OpenNvml(Env* env);

}  // namespace facefuse::gpu
