// CPU kernels of the data-movement ops: the plan-described ops run on the
// movement engine, Concat and Split copy rows with OpenMP.
#include "runtime/ops/movement_plan.h"
#include "runtime/providers/cpu/cpu_kernels.h"
#include "runtime/providers/cpu/movement_engine.h"

namespace facefuse::rt::cpu {
namespace {

class GatherPlanKernel final : public Kernel {
 public:
  GatherPlanKernel(const Node& node, GatherPlanFn plan_fn, int threads)
      : node_(node), plan_fn_(plan_fn), threads_(threads) {}
  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    FF_ASSIGN_OR_RETURN(GatherPlan plan, plan_fn_(node_, inputs));
    RunGatherPlan(std::move(plan), *inputs[0], *outputs[0], threads_);
    return Status::Ok();
  }

 private:
  Node node_;
  GatherPlanFn plan_fn_;
  int threads_;
};

class ConcatKernel final : public Kernel {
 public:
  ConcatKernel(const Node& node, int threads) : node_(node), threads_(threads) {}
  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    FF_ASSIGN_OR_RETURN(RowPlan plan, PlanConcat(node_, inputs));
    RunConcat(plan, inputs, *outputs[0], threads_);
    return Status::Ok();
  }

 private:
  Node node_;
  int threads_;
};

class SplitKernel final : public Kernel {
 public:
  SplitKernel(const Node& node, int threads) : node_(node), threads_(threads) {}
  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    FF_ASSIGN_OR_RETURN(RowPlan plan, PlanSplit(node_, inputs, outputs.size()));
    RunSplit(plan, *inputs[0], outputs, threads_);
    return Status::Ok();
  }

 private:
  Node node_;
  int threads_;
};

// nullptr (the reference kernel) when input 0's dtype is unknown or has an element size the engine lacks.
bool EngineCanRun(const KernelRequest& req) {
  return !req.input_types.empty() && EngineSupportsElementSize(DataTypeSize(req.input_types[0]));
}

template <GatherPlanFn kPlan>
Result<std::unique_ptr<Kernel>> MakeGatherPlanKernel(const KernelRequest& req) {
  if (!EngineCanRun(req)) return std::unique_ptr<Kernel>();
  return std::unique_ptr<Kernel>(new GatherPlanKernel(req.node, kPlan, req.threads));
}

}  // namespace

void RegisterMovementKernels(CpuKernelTable& t) {
  t.Add("", "Transpose", MakeGatherPlanKernel<PlanTranspose>);
  t.Add("", "Slice", MakeGatherPlanKernel<PlanSlice>);
  t.Add("", "Expand", MakeGatherPlanKernel<PlanExpand>);
  t.Add("", "Tile", MakeGatherPlanKernel<PlanTile>);
  t.Add("", "Pad", MakeGatherPlanKernel<PlanPad>);
  t.Add("", "Gather", MakeGatherPlanKernel<PlanGather>);
  t.Add("", "DepthToSpace", MakeGatherPlanKernel<PlanDepthToSpace>);
  t.Add("", "SpaceToDepth", MakeGatherPlanKernel<PlanSpaceToDepth>);
  t.Add("", "Concat", [](const KernelRequest& req) -> Result<std::unique_ptr<Kernel>> {
    return std::unique_ptr<Kernel>(new ConcatKernel(req.node, req.threads));
  });
  t.Add("", "Split", [](const KernelRequest& req) -> Result<std::unique_ptr<Kernel>> {
    return std::unique_ptr<Kernel>(new SplitKernel(req.node, req.threads));
  });
}

}  // namespace facefuse::rt::cpu
