#include <omp.h>

#include "runtime/providers/cpu/cpu_kernels.h"

namespace facefuse::rt {
namespace {

cpu::CpuKernelTable MakeTable() {
  cpu::CpuKernelTable table;
  cpu::RegisterEltwiseKernels(table);
  cpu::RegisterBinaryKernels(table);
  cpu::RegisterReduceKernels(table);
  cpu::RegisterDnnlConvKernels(table);
  cpu::RegisterDnnlMatMulKernels(table);
  cpu::RegisterDnnlPoolKernels(table);
  cpu::RegisterNormKernels(table);
  cpu::RegisterSoftmaxKernels(table);
  cpu::RegisterMovementKernels(table);
  cpu::RegisterResizeKernels(table);
  return table;
}

class CpuProvider final : public ExecutionProvider {
 public:
  explicit CpuProvider(int threads) : table_(MakeTable()) {
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
  // OpenMP's thread count is per calling thread: set it on every run, from
  // whichever thread runs.
  Status BeginRun() override {
    omp_set_num_threads(threads_);
    return Status::Ok();
  }

 private:
  cpu::CpuKernelTable table_;
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<ExecutionProvider> MakeCpuProvider(int threads) { return std::make_unique<CpuProvider>(threads); }

bool CpuProviderHasKernel(std::string_view domain, std::string_view op_type) {
  static const cpu::CpuKernelTable table = MakeTable();
  return table.by_op.count(std::string(domain) + ":" + std::string(op_type)) != 0;
}

}  // namespace facefuse::rt
