#include <omp.h>

#include "runtime/providers/cpu/cpu_kernels.h"

namespace facefuse::rt {
namespace {

class CpuProvider final : public ExecutionProvider {
 public:
  explicit CpuProvider(int threads) {
    cpu::RegisterEltwiseKernels(table_);
    cpu::RegisterBinaryKernels(table_);
    cpu::RegisterReduceKernels(table_);
    cpu::RegisterDnnlConvKernels(table_);
    cpu::RegisterDnnlMatMulKernels(table_);
    cpu::RegisterDnnlPoolKernels(table_);
    cpu::RegisterNormKernels(table_);
    cpu::RegisterSoftmaxKernels(table_);
    cpu::RegisterMovementKernels(table_);
    cpu::RegisterResizeKernels(table_);
    threads_ = threads > 0 ? threads : omp_get_num_procs();
  }
  std::string_view name() const override { return "cpu"; }
  Result<std::unique_ptr<Kernel>> CreateKernel(const KernelRequest& req) override {
    std::string key = std::string(req.def.domain) + ":" + std::string(req.def.op_type);
    auto it = table_.by_op.find(key);
    if (it == table_.by_op.end()) return std::unique_ptr<Kernel>();
    KernelRequest r = req;
    r.threads = threads_;
    return it->second(r);
  }

 private:
  cpu::CpuKernelTable table_;
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<ExecutionProvider> MakeCpuProvider(int threads) { return std::make_unique<CpuProvider>(threads); }

}  // namespace facefuse::rt
