// Session's internals, shared by the files that build and run it:
// session.cpp (open, prepare, the public methods), compile.cpp (nodes to
// steps on providers, copy steps between devices) and run_steps.cpp (one run).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/device.h"
#include "facefuse/runtime.h"
#include "runtime/exec/plan_cache.h"
#include "runtime/ir/graph.h"
#include "runtime/ops/op_def.h"
#include "runtime/providers/provider.h"

namespace facefuse::rt {

// One kernel call of a compiled session: a node on a provider, or a copy of a
// value between devices (provider "copy").
struct Step {
  Node node;
  const OpDef* def = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::string provider;
  Device device;  // where the kernel reads its inputs (a copy: where it reads its source)
  // Allocates the outputs when they live off the host; nullptr for host
  // outputs (arena or AllocateValue).
  std::shared_ptr<Allocator> output_allocator;
  std::vector<int> in;   // value ids, -1 for absent optional inputs
  std::vector<int> out;  // value ids, -1 for unused outputs
};

struct ArenaLayout {
  std::vector<int64_t> offset;  // per value id, -1 when not in the arena
  std::vector<size_t> bytes;    // per value id, planned size
  size_t total = 0;
  // Per step: the output specs infer gave on the recording run when they
  // follow from the input shapes alone (see OpDef::output_shape_from_data);
  // nullopt where infer must run every time.
  std::vector<std::optional<std::vector<OutputSpec>>> specs;
  // Per value id: the step input whose memory the value took (Kernel::OutputMayReuseInput), -1 when none.
  std::vector<int> reused_input;
  // Per step: its outputs when their values follow from the feeds' shapes alone (a Shape of an activation and
  // the arithmetic on it, as a dynamic model computes a Reshape's target), kept from the recording run; the
  // step does not run again for these shapes. Empty for a step that runs.
  std::vector<std::vector<Tensor>> fixed_outputs;
};

}  // namespace facefuse::rt

namespace facefuse {

struct Session::Impl {
  SessionOptions options;
  int threads = 1;
  rt::Graph graph;
  std::vector<TensorInfo> inputs, outputs;
  std::vector<std::unique_ptr<rt::ExecutionProvider>> providers;
  std::vector<rt::Step> steps;
  std::unique_ptr<rt::PlanCache> plan_cache;  // on options.plan_cache_dir, or in memory only
  std::vector<Tensor> constants;  // by value id; empty when not constant
  std::vector<int> input_ids, output_ids;
  std::vector<int> last_use;      // by value id: last step reading it; INT_MAX for graph outputs
  std::vector<bool> is_output;
  std::vector<std::string> value_names;
  size_t nodes_in_model = 0;
  size_t weight_bytes = 0;

  std::mutex run_mutex;
  std::map<std::string, rt::ArenaLayout> layouts;  // by input-shape signature
  std::shared_ptr<void> arena;
  size_t arena_bytes = 0;
  size_t peak_activation_bytes = 0;
  MemoryBudget::Reservation weights_claim;  // empty without a budget
  MemoryBudget::Reservation arena_claim;
  SessionProfile profile;  // filled when options.profile; guarded by run_mutex

  Status Prepare();
  Status Compile();
  Result<std::vector<Tensor>> Run(std::vector<Tensor> feeds);
  Result<std::vector<Tensor>> RunSteps(std::vector<Tensor> feeds);  // Run without the lock and the profile
  void ResetProfile();
  Status CheckFeed(size_t i, const Tensor& t) const;
  bool SpecsFollowFromShapes(const rt::Step& step, std::span<const Tensor* const> in_ptrs) const;
  Status EnsureArena(size_t bytes);
  // A fresh tensor; with a budget, its bytes are claimed for as long as the
  // tensor (or a copy or reshape of it) lives.
  Result<Tensor> AllocateValue(DataType dtype, const Shape& shape, std::string_view what);
};

}  // namespace facefuse
