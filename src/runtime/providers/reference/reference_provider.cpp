#include "runtime/providers/provider.h"

namespace facefuse::rt {
namespace {

class ReferenceKernel final : public Kernel {
 public:
  ReferenceKernel(const Node& node, ComputeFn fn) : node_(node), fn_(fn) {}
  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    return fn_(node_, inputs, outputs);
  }

 private:
  Node node_;  // a copy: kernels outlive graph rewrites
  ComputeFn fn_;
};

class ReferenceProvider final : public ExecutionProvider {
 public:
  std::string_view name() const override { return "reference"; }
  Result<std::unique_ptr<Kernel>> CreateKernel(const KernelRequest& req) override {
    if (req.def.reference == nullptr) return std::unique_ptr<Kernel>();
    return std::unique_ptr<Kernel>(new ReferenceKernel(req.node, req.def.reference));
  }
};

}  // namespace

std::unique_ptr<ExecutionProvider> MakeReferenceProvider() { return std::make_unique<ReferenceProvider>(); }

}  // namespace facefuse::rt
