#include "runtime/exec/copy_step.h"

#include <cstring>

namespace facefuse::rt {
namespace {

Status InferCopy(const Node&, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  if (inputs.size() != 1 || inputs[0] == nullptr || outputs.size() != 1) return Internal("a copy step takes one value");
  outputs[0].dtype = inputs[0]->dtype();
  outputs[0].shape = inputs[0]->shape();
  return Status::Ok();
}

class CopyKernel final : public Kernel {
 public:
  explicit CopyKernel(std::shared_ptr<Allocator> destination) : destination_(std::move(destination)) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& in = *inputs[0];
    Tensor& out = *outputs[0];
    const size_t bytes = in.bytes();
    if (bytes == 0) return Status::Ok();
    if (in.device().is_host()) {
      if (out.device().is_host()) {
        std::memcpy(out.raw(), in.raw(), bytes);
        return Status::Ok();
      }
      return destination_->Copy(out.raw(), in.raw(), bytes, CopyDirection::kHostToDevice);
    }
    Allocator* source = in.allocator();
    if (source == nullptr) return Internal("a " + DeviceName(in.device()) + " value that no allocator made cannot be copied");
    if (out.device().is_host()) return source->Copy(out.raw(), in.raw(), bytes, CopyDirection::kDeviceToHost);
    if (out.device() == in.device()) return source->Copy(out.raw(), in.raw(), bytes, CopyDirection::kDeviceToDevice);
    FF_ASSIGN_OR_RETURN(Tensor staged, CopyToDevice(in, HostAllocator()));  // two devices: through the host
    return destination_->Copy(out.raw(), staged.raw(), bytes, CopyDirection::kHostToDevice);
  }

 private:
  std::shared_ptr<Allocator> destination_;
};

}  // namespace

const OpDef& CopyOpDef() {
  static const OpDef def{"Copy", "facefuse", nullptr, InferCopy, nullptr, "all", "between devices only"};
  return def;
}

std::unique_ptr<Kernel> MakeCopyKernel(std::shared_ptr<Allocator> destination) {
  return std::make_unique<CopyKernel>(std::move(destination));
}

}  // namespace facefuse::rt
