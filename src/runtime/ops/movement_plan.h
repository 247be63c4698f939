// Data-movement ops described once, as plans shared by infer, the reference
// kernels and the CPU kernels, so each op's index semantics live in one place.
//
// GatherPlan: Transpose, Slice, Expand, Tile, Pad, Gather, DepthToSpace and
// SpaceToDepth are all "each output element copies one input element (or a
// fill value)". The plan iterates over `axes` in row-major order, which visits
// the output's elements in memory order; the element at iteration index
// (j_0, ..., j_n) is input element  base + sum_i axes[i].Offset(j_i), or the
// fill value when any axis maps its j_i to kFill. Builders check that every
// offset they can produce lies inside the input, so executors never need to.
//
// RowPlan: Concat and Split view every tensor as [outer, dim(axis) * inner]
// and copy whole rows.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/ops/op_def.h"

namespace facefuse::rt {

inline constexpr int64_t kFill = INT64_MIN;
// Outputs above this many elements are rejected as absurd (a corrupt shape
// input), before anything is allocated.
inline constexpr int64_t kMaxOutputElements = int64_t{1} << 32;

struct GatherAxis {
  int64_t size = 1;
  int64_t stride = 0;          // Offset(j) = j * stride when `table` is empty,
  std::vector<int64_t> table;  // else Offset(j) = table[j] (an element offset or kFill).
  bool affine() const { return table.empty(); }
  int64_t Offset(int64_t j) const { return table.empty() ? j * stride : table[static_cast<size_t>(j)]; }
};

struct GatherPlan {
  Shape out_shape;  // the output tensor's shape: same element count as the axes
  int64_t base = 0;
  std::vector<GatherAxis> axes;
  std::array<unsigned char, 8> fill{};  // bytes of the fill element (Pad's constant)
};

// Builds the plan from the node and the actual inputs (nullptr when absent).
using GatherPlanFn = Result<GatherPlan> (*)(const Node& node, std::span<const Tensor* const> inputs);
Result<GatherPlan> PlanTranspose(const Node& node, std::span<const Tensor* const> inputs);
// Transpose's perm attribute, or the reversed axes of a rank-`rank` input when it is absent (not validated).
std::vector<int64_t> TransposePerm(const Node& node, int64_t rank);
Result<GatherPlan> PlanSlice(const Node& node, std::span<const Tensor* const> inputs);
Result<GatherPlan> PlanExpand(const Node& node, std::span<const Tensor* const> inputs);
Result<GatherPlan> PlanTile(const Node& node, std::span<const Tensor* const> inputs);
Result<GatherPlan> PlanPad(const Node& node, std::span<const Tensor* const> inputs);
Result<GatherPlan> PlanGather(const Node& node, std::span<const Tensor* const> inputs);
Result<GatherPlan> PlanDepthToSpace(const Node& node, std::span<const Tensor* const> inputs);
Result<GatherPlan> PlanSpaceToDepth(const Node& node, std::span<const Tensor* const> inputs);

// Reference executor: one element at a time. Precondition: `out` has the
// plan's shape and the dtype of `in`.
void RunGatherPlanReference(const GatherPlan& plan, const Tensor& in, Tensor& out);

// OpDef infer and reference of an op described by a GatherPlan over input 0.
template <GatherPlanFn kPlan>
Status InferGather(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(GatherPlan plan, kPlan(node, inputs));
  outputs[0] = {inputs[0]->dtype(), std::move(plan.out_shape)};
  return Status::Ok();
}

template <GatherPlanFn kPlan>
Status ReferenceGather(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(GatherPlan plan, kPlan(node, inputs));
  RunGatherPlanReference(plan, *inputs[0], *outputs[0]);
  return Status::Ok();
}

struct RowPlan {
  int64_t outer = 1;               // product of the dims before the axis
  int64_t inner = 1;               // product of the dims after the axis
  std::vector<int64_t> sizes;      // per part: its dim along the axis
  std::vector<int64_t> offsets;    // per part: where it starts along the axis
  int64_t total = 0;               // the whole tensor's dim along the axis
  std::vector<Shape> part_shapes;  // Split: each output's shape; Concat: the output's shape (one entry)
};
Result<RowPlan> PlanConcat(const Node& node, std::span<const Tensor* const> inputs);
Result<RowPlan> PlanSplit(const Node& node, std::span<const Tensor* const> inputs, size_t num_outputs);

// Copies each part's rows into (Concat) or out of (Split) the whole tensor,
// with OpenMP over rows when `threads` > 1 and the copy is large.
void RunConcat(const RowPlan& plan, std::span<const Tensor* const> inputs, Tensor& out, int threads);
void RunSplit(const RowPlan& plan, const Tensor& in, std::span<Tensor* const> outputs, int threads);
// `rows` rows of `row_bytes` bytes from src to dst, the given pitches (bytes) apart.
void CopyRows(void* dst, int64_t dst_pitch, const void* src, int64_t src_pitch, int64_t rows, int64_t row_bytes,
              int threads);
// Copies below this many bytes stay on one thread.
inline constexpr int64_t kParallelBytes = int64_t{1} << 18;
// Rows of at most this many bytes are copied word by word rather than by a memcpy call each.
inline constexpr int64_t kShortRowBytes = 64;

// Error unless perm holds each of 0..perm.size()-1 once.
Status CheckPermutation(const Node& node, const std::vector<int64_t>& perm);
// Input count in [required, max] and each of the first `required` inputs present.
Status ExpectInputs(const ValidateContext& ctx, size_t required, size_t max);
// Shared checks for shape-producing ops.
// Error unless every dim is >= 0 and the element count is at most kMaxOutputElements.
Status CheckOutputShape(const Node& node, const Shape& shape);
// Load-time check: input i's dtype, when known, has a fixed element size of 1, 2, 4 or 8 bytes.
Status ExpectMovableType(const ValidateContext& ctx, size_t i);
// Text for OpDef::dtypes of pure data-movement ops.
inline constexpr std::string_view kMovableDtypes =
    "any fixed-size dtype (float32, float64, float16, bfloat16, int8..int64, uint8..uint64, bool), copied by "
    "element size";

}  // namespace facefuse::rt
