// How every face model opens: one set of runtime options shared by all face
// model families (detectors, landmarkers, recognizer, enhancers, maskers,
// neural swappers) and one check of what the model's inputs and outputs must
// be, so that no family sets up its own Session or repeats the input checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "facefuse/memory_budget.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

// The runtime settings a face model opens with. Each family's options derive
// from it. (The device it runs on will join these.)
struct ModelOptions {
  int threads = 0;                              // kernel threads; 0: all cores
  std::shared_ptr<MemoryBudget> memory_budget;  // admits the model's memory (none: unlimited)
  std::filesystem::path plan_cache_dir;         // SessionOptions::plan_cache_dir (empty: none)
};

// What a model's inputs and outputs must look like. The image input is the
// first one. The default contract accepts any model.
struct InputContract {
  size_t min_inputs = 0;
  size_t max_inputs = std::numeric_limits<size_t>::max();
  size_t min_outputs = 0;
  // Checks of the image input, made only when the model declares its shape.
  // With `nchw` it must have rank 4 and, when channels > 0, that many
  // channels (dim 1); the fixed sizes below are then checked too. Without
  // `nchw` the fixed sizes are checked on a rank-4 input and other ranks pass.
  bool nchw = false;
  int64_t channels = 0;
  // Dims 2 (height) and 3 (width) must equal these where the model fixes them
  // (a dim <= 0 is dynamic and passes); 0: not checked.
  int64_t height = 0;
  int64_t width = 0;
  // The InvalidArgument message for a model that breaks the contract, given
  // its input and output counts. Required when the contract checks anything.
  std::function<std::string(size_t inputs, size_t outputs)> refusal;
  // The message for a model whose fixed height or width differ, given both
  // declared dims (<= 0: dynamic); when unset, `refusal` is used.
  std::function<std::string(int64_t height, int64_t width)> size_refusal;
};

// The contract of a model with one [N,3,size,size] image input (the width
// unchecked, the height fixed or dynamic) and at least `min_outputs`
// outputs; a model that breaks it is refused with "<model> <refusal>".
InputContract SquareImageContract(const std::filesystem::path& model, int size, size_t min_outputs,
                                  const std::string& refusal);

// Opens `model` with `options` and checks it against `contract`.
// Errors: as Session::Open (NotFound for a missing file, OutOfMemory when
// the weights do not fit the budget, ...); InvalidArgument with the
// contract's message for a model that breaks it. Returns the session, owned
// by the caller.
Result<std::unique_ptr<Session>> OpenFaceModel(const std::filesystem::path& model, const ModelOptions& options,
                                               const InputContract& contract);

// OK when `session`'s inputs and outputs keep `contract`; else InvalidArgument
// with the contract's message.
Status CheckInputContract(const Session& session, const InputContract& contract);

}  // namespace facefuse::face
