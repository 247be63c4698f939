// Execution providers: where kernels run (reference, CPU, CUDA).
//
// Every provider answers one question per node: "can you run this?" by
// returning a kernel, or nullptr when it cannot (the session then falls back
// to the next provider of the registry's chain, finally to the reference
// kernel; see providers/registry.h). Shapes are not known when a kernel is
// created; Compute receives inputs and outputs on the provider's device, the
// outputs already allocated (by the provider's allocator) with the shapes the
// op's infer function gave.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "facefuse/device.h"
#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"
#include "runtime/ops/op_def.h"

namespace facefuse::rt {

class PlanCache;  // exec/plan_cache.h

class Kernel {
 public:
  virtual ~Kernel() = default;
  // inputs[i] is nullptr for an absent optional input. Not called concurrently
  // on one kernel object; may keep per-shape caches.
  virtual Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) = 0;
  // The input whose bytes output `output` may take (-1: none). The session
  // gives the output that input's memory only when this step is the last to
  // read it; Compute must then be correct with the two the same memory (a
  // convolution's Sum, which each output element adds once). Default: none.
  virtual int OutputMayReuseInput(size_t output) const { return -1; }
};

struct KernelRequest {
  const Node& node;
  const OpDef& def;
  int64_t opset;
  std::span<const DataType> input_types;           // kUndefined when unknown
  std::span<const Tensor* const> constant_inputs;  // initializer values, nullptr when not constant
  int threads = 1;
  // Timed plan choices from earlier processes; nullptr when the session keeps
  // none. Kernels look their choice up before timing and record what they timed.
  PlanCache* plan_cache = nullptr;
  // false: take the default plan untimed (SessionOptions::time_plans).
  bool time_plans = true;
};

class ExecutionProvider {
 public:
  virtual ~ExecutionProvider() = default;
  virtual std::string_view name() const = 0;
  // Where its kernels read and write. Host unless overridden.
  virtual Device device() const { return Device{}; }
  // Allocates its kernels' inputs and outputs; on device(). Never null.
  virtual std::shared_ptr<Allocator> allocator() const { return HostAllocator(); }
  // A kernel for the node, nullptr when this provider does not support it (or
  // not with these dtypes/attributes), or an error for a real failure.
  virtual Result<std::unique_ptr<Kernel>> CreateKernel(const KernelRequest& req) = 0;
  // Called on the running thread before a session runs its steps (thread
  // pools, device selection). Not called concurrently for one provider.
  virtual Status BeginRun() { return Status::Ok(); }
};

// Runs OpDef::reference. Supports every registered op.
std::unique_ptr<ExecutionProvider> MakeReferenceProvider();

// oneDNN and own vectorised kernels; nullptr kernels for what it leaves to the
// reference provider. `threads` <= 0 means all cores.
std::unique_ptr<ExecutionProvider> MakeCpuProvider(int threads);

// Whether the CPU provider has its own kernel for the op (it may still leave
// some dtypes or attribute values to the reference kernel).
bool CpuProviderHasKernel(std::string_view domain, std::string_view op_type);

}  // namespace facefuse::rt
