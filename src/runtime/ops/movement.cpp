// Data-movement ops: Transpose, Concat, Split, Slice, Gather, Tile, Pad,
// DepthToSpace, SpaceToDepth. Their index semantics are the plans of
// movement_plan.cpp; this file holds load-time validation and the OpDefs.
#include <limits>

#include "runtime/ops/movement_plan.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

constexpr std::initializer_list<DataType> kIndexTypes = {DataType::kInt64, DataType::kInt32};
constexpr size_t kAnyCount = std::numeric_limits<size_t>::max();

Status ValidateTranspose(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, 1));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  return CheckPermutation(ctx.node, ctx.node.GetInts("perm"));
}

// A Transpose that moves only axes of size 1 (NHWC [1,1,1,C] to NCHW [1,C,1,1], a layout change before a
// flatten) leaves every element where it was: its output is X's bytes with the new shape, no kernel runs.
Status InferTranspose(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_RETURN_IF_ERROR(InferGather<PlanTranspose>(node, inputs, outputs));
  const Tensor& x = *inputs[0];
  int64_t last_moved = -1;  // the input axis of the last output axis longer than 1
  for (int64_t axis : TransposePerm(node, x.rank())) {
    if (x.dim(axis) == 1) continue;
    if (axis < last_moved) return Status::Ok();  // a real permutation: the kernel runs
    last_moved = axis;
  }
  outputs[0].alias_of = 0;
  return Status::Ok();
}

Status ValidateConcat(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, std::max<size_t>(ctx.node.inputs.size(), 1), kAnyCount));
  if (!ctx.node.Has("axis")) return NodeError(ctx.node, "attribute axis is required");
  for (size_t i = 0; i < ctx.node.inputs.size(); ++i) FF_RETURN_IF_ERROR(ExpectMovableType(ctx, i));
  return Status::Ok();
}

Status InferConcat(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(RowPlan plan, PlanConcat(node, inputs));
  outputs[0] = {inputs[0]->dtype(), std::move(plan.part_shapes[0])};
  return Status::Ok();
}

Status ReferenceConcat(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(RowPlan plan, PlanConcat(node, inputs));
  RunConcat(plan, inputs, *outputs[0], 1);
  return Status::Ok();
}

Status ValidateSplit(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, ctx.opset >= 13 ? 2 : 1));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kInt64}));
  if (node.outputs.empty()) return NodeError(node, "needs at least one output");
  if (ctx.opset >= 13 && node.Has("split"))
    return NodeError(node, "attribute split was replaced by an input in opset 13");
  if (node.Has("num_outputs") && node.GetInt("num_outputs", 0) != static_cast<int64_t>(node.outputs.size()))
    return NodeError(node, "num_outputs does not match the " + std::to_string(node.outputs.size()) + " outputs");
  if (node.Has("num_outputs") && node.HasInput(1))
    return NodeError(node, "num_outputs and the split input are mutually exclusive");
  return Status::Ok();
}

Status InferSplit(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(RowPlan plan, PlanSplit(node, inputs, outputs.size()));
  for (size_t k = 0; k < outputs.size(); ++k) outputs[k] = {inputs[0]->dtype(), std::move(plan.part_shapes[k])};
  return Status::Ok();
}

Status ReferenceSplit(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(RowPlan plan, PlanSplit(node, inputs, outputs.size()));
  RunSplit(plan, *inputs[0], outputs, 1);
  return Status::Ok();
}

Status ValidateSlice(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  if (ctx.opset < 10) {
    FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, 1));
    if (!node.Has("starts") || !node.Has("ends")) return NodeError(node, "attributes starts and ends are required");
    return Status::Ok();
  }
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 3, 5));
  for (size_t i = 1; i < 5; ++i) FF_RETURN_IF_ERROR(ExpectInputType(ctx, i, kIndexTypes));
  return Status::Ok();
}

Status ValidateGather(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 2, 2));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  return ExpectInputType(ctx, 1, kIndexTypes);
}

Status ValidateTile(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 2, 2));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  return ExpectInputType(ctx, 1, {DataType::kInt64});
}

Status ValidatePad(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  FF_RETURN_IF_ERROR(ExpectStringAttr(node, "mode", {"constant", "reflect", "edge", "wrap"}));
  if (ctx.opset < 11) {
    FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, 1));
    if (!node.Has("pads")) return NodeError(node, "attribute pads is required");
    DataType t = ctx.type(0);
    if (node.GetFloat("value", 0.f) != 0.f && (t == DataType::kFloat16 || t == DataType::kBFloat16))
      return NodeUnsupported(node, "a non-zero value attribute with 16-bit float data");
    return Status::Ok();
  }
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 2, ctx.opset >= 18 ? 4 : 3));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kInt64}));
  return ExpectInputType(ctx, 3, kIndexTypes);
}

Status ValidateBlocks(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, 1));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  if (ctx.node.GetInt("blocksize", 0) <= 0) return NodeError(ctx.node, "attribute blocksize must be positive");
  return ExpectStringAttr(ctx.node, "mode", {"DCR", "CRD"});
}

}  // namespace

void RegisterMovementOps(OpRegistry& r) {
  r.Add({"Transpose", "", ValidateTranspose, InferTranspose, ReferenceGather<PlanTranspose>, kMovableDtypes,
         ""});
  r.Add({"Concat", "", ValidateConcat, InferConcat, ReferenceConcat, kMovableDtypes, ""});
  r.Add({"Split", "", ValidateSplit, InferSplit, ReferenceSplit, kMovableDtypes,
         "without split sizes or num_outputs the axis must divide evenly"});
  r.Add({"Slice", "", ValidateSlice, InferGather<PlanSlice>, ReferenceGather<PlanSlice>, kMovableDtypes, ""});
  r.Add({"Gather", "", ValidateGather, InferGather<PlanGather>, ReferenceGather<PlanGather>, kMovableDtypes,
         "indices out of range are an error"});
  r.Add({"Tile", "", ValidateTile, InferGather<PlanTile>, ReferenceGather<PlanTile>, kMovableDtypes, ""});
  r.Add({"Pad", "", ValidatePad, InferGather<PlanPad>, ReferenceGather<PlanPad>, kMovableDtypes,
         "before opset 11, a non-zero value attribute is unsupported for float16/bfloat16 data; outputs above 2^32 "
         "elements are rejected"});
  r.Add({"DepthToSpace", "", ValidateBlocks, InferGather<PlanDepthToSpace>, ReferenceGather<PlanDepthToSpace>,
         kMovableDtypes, "rank-4 input only"});
  r.Add({"SpaceToDepth", "", ValidateBlocks, InferGather<PlanSpaceToDepth>, ReferenceGather<PlanSpaceToDepth>,
         kMovableDtypes, "rank-4 input only"});
}

}  // namespace facefuse::rt
