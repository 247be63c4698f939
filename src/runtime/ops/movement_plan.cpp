#include "runtime/ops/movement_plan.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "common/parallel_for.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

const Tensor* InputAt(std::span<const Tensor* const> inputs, size_t i) {
  return i < inputs.size() ? inputs[i] : nullptr;
}

Result<int64_t> CheckedMul(const Node& node, int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return NodeError(node, "a dimension overflows int64");
  return r;
}

// The plan of a tensor viewed as `view` (same element count as the input)
// and transposed by `perm`; the output has shape `out_shape`.
GatherPlan PermutedView(const Shape& view, const std::vector<int64_t>& perm, Shape out_shape) {
  GatherPlan plan;
  plan.out_shape = std::move(out_shape);
  std::vector<int64_t> strides = Strides(view);
  for (int64_t p : perm) plan.axes.push_back({view[static_cast<size_t>(p)], strides[static_cast<size_t>(p)], {}});
  return plan;
}

// Checks the plan's shapes and that every offset it can produce reads inside an input of `in_elems` elements.
Result<GatherPlan> FinishPlan(const Node& node, GatherPlan plan, int64_t in_elems) {
  FF_RETURN_IF_ERROR(CheckOutputShape(node, plan.out_shape));
  int64_t count = 1;
  for (const auto& a : plan.axes) count *= a.size;
  if (count != NumElements(plan.out_shape))
    return Internal(node.Describe() + ": gather plan does not cover the output");
  if (count == 0) return plan;
  int64_t lo = plan.base, hi = plan.base;
  for (const auto& a : plan.axes) {
    if (a.affine()) {
      int64_t last = (a.size - 1) * a.stride;
      lo += std::min<int64_t>(0, last);
      hi += std::max<int64_t>(0, last);
      continue;
    }
    int64_t amin = INT64_MAX, amax = INT64_MIN;
    for (int64_t v : a.table)
      if (v != kFill) {
        amin = std::min(amin, v);
        amax = std::max(amax, v);
      }
    if (amin == INT64_MAX) return plan;  // every element is the fill value: nothing is read
    lo += amin;
    hi += amax;
  }
  if (lo < 0 || hi >= in_elems) return Internal(node.Describe() + ": gather plan reads outside its input");
  return plan;
}

// The fill element of Pad before opset 11: the float attribute `value` converted to the data's dtype.
Status FillFromDouble(const Node& node, DataType dt, double v, std::array<unsigned char, 8>& fill) {
  if (v == 0) return Status::Ok();  // all-zero bytes are 0 in every supported dtype
  return DispatchNumeric(node, dt, [&](auto zero) {
    auto value = static_cast<decltype(zero)>(v);
    std::memcpy(fill.data(), &value, sizeof value);
    return Status::Ok();
  });
}

// Source index for output position `src` (already shifted by the begin pad) of an axis of `dim` elements.
int64_t PadSource(const std::string& mode, int64_t src, int64_t dim) {
  if (src >= 0 && src < dim) return src;
  if (mode == "edge") return std::clamp<int64_t>(src, 0, dim - 1);
  if (mode == "wrap") return ((src % dim) + dim) % dim;
  if (mode == "reflect") {
    if (dim == 1) return 0;
    int64_t period = 2 * (dim - 1);
    int64_t m = ((src % period) + period) % period;
    return m < dim ? m : period - m;
  }
  return -1;  // constant
}

}  // namespace

Status CheckOutputShape(const Node& node, const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return NodeError(node, "output shape " + ShapeToString(shape) + " has a negative dim");
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxOutputElements)
      return NodeError(node, "output shape " + ShapeToString(shape) + " has more than 2^32 elements");
  }
  return Status::Ok();
}

Status ExpectMovableType(const ValidateContext& ctx, size_t i) {
  DataType t = ctx.type(i);
  size_t size = DataTypeSize(t);
  if (t == DataType::kUndefined || size == 1 || size == 2 || size == 4 || size == 8) return Status::Ok();
  return NodeUnsupported(ctx.node, "input " + std::to_string(i) + " has dtype " + DataTypeName(t) +
                                       ", which has no fixed element size of 1, 2, 4 or 8 bytes");
}

Status CheckPermutation(const Node& node, const std::vector<int64_t>& perm) {
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<int64_t>(i))
      return NodeError(node, "perm " + ShapeToString(perm) + " is not a permutation");
  return Status::Ok();
}

Status ExpectInputs(const ValidateContext& ctx, size_t required, size_t max) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, required, max));
  for (size_t i = 0; i < required; ++i)
    if (!ctx.node.HasInput(i)) return NodeError(ctx.node, "required input " + std::to_string(i) + " is missing");
  return Status::Ok();
}

void CopyRows(void* dst, int64_t dst_pitch, const void* src, int64_t src_pitch, int64_t rows, int64_t row_bytes,
              int threads) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  const bool parallel = threads > 1 && rows > 1 && rows * row_bytes >= kParallelBytes;
  if (row_bytes <= kShortRowBytes && row_bytes % 4 == 0 && dst_pitch % 4 == 0 && src_pitch % 4 == 0) {
    // Short rows (a channels-last Split or Concat of a few channels): a call to memcpy per row
    // costs more than the copy; 4-byte words instead (memcpy of 4 bytes compiles to one move).
    const int64_t words = row_bytes / 4;
    ParallelFor(rows, parallel, threads, [&](int64_t r) {
      unsigned char* to = d + r * dst_pitch;
      const unsigned char* from = s + r * src_pitch;
      for (int64_t w = 0; w < words; ++w) std::memcpy(to + 4 * w, from + 4 * w, 4);
    });
    return;
  }
  ParallelFor(rows, parallel, threads,
              [&](int64_t r) { std::memcpy(d + r * dst_pitch, s + r * src_pitch, static_cast<size_t>(row_bytes)); });
}

void RunConcat(const RowPlan& plan, std::span<const Tensor* const> inputs, Tensor& out, int threads) {
  const auto es = static_cast<int64_t>(DataTypeSize(out.dtype()));
  for (size_t k = 0; k < inputs.size(); ++k)
    CopyRows(static_cast<unsigned char*>(out.raw()) + plan.offsets[k] * plan.inner * es, plan.total * plan.inner * es,
             inputs[k]->raw(), plan.sizes[k] * plan.inner * es, plan.outer, plan.sizes[k] * plan.inner * es, threads);
}

void RunSplit(const RowPlan& plan, const Tensor& in, std::span<Tensor* const> outputs, int threads) {
  const auto es = static_cast<int64_t>(DataTypeSize(in.dtype()));
  for (size_t k = 0; k < outputs.size(); ++k)
    CopyRows(outputs[k]->raw(), plan.sizes[k] * plan.inner * es,
             static_cast<const unsigned char*>(in.raw()) + plan.offsets[k] * plan.inner * es,
             plan.total * plan.inner * es, plan.outer, plan.sizes[k] * plan.inner * es, threads);
}

std::vector<int64_t> TransposePerm(const Node& node, int64_t rank) {
  std::vector<int64_t> perm = node.GetInts("perm");
  if (!node.Has("perm")) {
    perm.resize(static_cast<size_t>(rank));
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  return perm;
}

Result<GatherPlan> PlanTranspose(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  const auto rank = static_cast<size_t>(x.rank());
  const std::vector<int64_t> perm = TransposePerm(node, x.rank());
  if (perm.size() != rank)
    return NodeError(node, "perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  FF_RETURN_IF_ERROR(CheckPermutation(node, perm));
  Shape out;
  for (int64_t p : perm) out.push_back(x.dim(p));
  return FinishPlan(node, PermutedView(x.shape(), perm, out), x.size());
}

Result<GatherPlan> PlanSlice(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  std::vector<int64_t> starts, ends, axes, steps;
  if (node.HasInput(1)) {  // opset >= 10
    FF_ASSIGN_OR_RETURN(starts, ReadInt64s(node, InputAt(inputs, 1), "starts"));
    FF_ASSIGN_OR_RETURN(ends, ReadInt64s(node, InputAt(inputs, 2), "ends"));
    if (node.HasInput(3)) {
      FF_ASSIGN_OR_RETURN(axes, ReadInt64s(node, InputAt(inputs, 3), "axes"));
    }
    if (node.HasInput(4)) {
      FF_ASSIGN_OR_RETURN(steps, ReadInt64s(node, InputAt(inputs, 4), "steps"));
    }
  } else {
    starts = node.GetInts("starts");
    ends = node.GetInts("ends");
    axes = node.GetInts("axes");
  }
  if (!node.HasInput(3) && !node.Has("axes")) {
    axes.resize(starts.size());
    std::iota(axes.begin(), axes.end(), 0);
  }
  if (!node.HasInput(4)) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return NodeError(node, "starts, ends, axes and steps must have the same length");

  const int64_t rank = x.rank();
  const std::vector<int64_t> strides = Strides(x.shape());
  GatherPlan plan;
  plan.out_shape = x.shape();
  for (int64_t a = 0; a < rank; ++a) plan.axes.push_back({x.dim(a), strides[static_cast<size_t>(a)], {}});
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t k = 0; k < starts.size(); ++k) {
    FF_ASSIGN_OR_RETURN(int64_t a, NormalizeAxis(node, axes[k], rank));
    if (seen[static_cast<size_t>(a)]) return NodeError(node, "axis " + std::to_string(a) + " is sliced twice");
    seen[static_cast<size_t>(a)] = true;
    const int64_t dim = x.dim(a);
    if (steps[k] == 0) return NodeError(node, "step 0 on axis " + std::to_string(a));
    // A step longer than the axis takes at most one element, like the real step.
    const int64_t step = std::clamp<int64_t>(steps[k], -std::max<int64_t>(dim, 1), std::max<int64_t>(dim, 1));
    int64_t start = starts[k] < 0 ? starts[k] + dim : starts[k];
    int64_t end = ends[k] < 0 ? ends[k] + dim : ends[k];
    int64_t count = 0;
    if (dim == 0) {
      start = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? (end - start - 1) / step + 1 : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = start > end ? (start - end - 1) / -step + 1 : 0;
    }
    GatherAxis& axis = plan.axes[static_cast<size_t>(a)];
    plan.base += count > 0 ? start * axis.stride : 0;
    axis.stride *= step;
    axis.size = count;
    plan.out_shape[static_cast<size_t>(a)] = count;
  }
  return FinishPlan(node, std::move(plan), x.size());
}

Result<GatherPlan> PlanExpand(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInt64s(node, InputAt(inputs, 1), "shape"));
  for (int64_t d : shape)
    if (d < 0) return NodeError(node, "shape " + ShapeToString(shape) + " has a negative dim");
  auto out = BroadcastShapes(x.shape(), shape);
  if (!out.ok()) return NodeError(node, "cannot expand: " + out.status().message());
  FF_RETURN_IF_ERROR(CheckOutputShape(node, *out));
  GatherPlan plan;
  std::vector<int64_t> strides = BroadcastStrides(x.shape(), *out);
  for (size_t i = 0; i < out->size(); ++i) plan.axes.push_back({(*out)[i], strides[i], {}});
  plan.out_shape = std::move(out).value();
  return FinishPlan(node, std::move(plan), x.size());
}

Result<GatherPlan> PlanTile(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(std::vector<int64_t> repeats, ReadInt64s(node, InputAt(inputs, 1), "repeats"));
  if (static_cast<int64_t>(repeats.size()) != x.rank())
    return NodeError(node,
                     "repeats has " + std::to_string(repeats.size()) + " entries for rank " + std::to_string(x.rank()));
  // The output viewed as [r0, d0, r1, d1, ...]: repeat axes read with stride 0.
  GatherPlan plan;
  std::vector<int64_t> strides = Strides(x.shape());
  for (size_t i = 0; i < repeats.size(); ++i) {
    if (repeats[i] < 0) return NodeError(node, "repeats has a negative entry");
    FF_ASSIGN_OR_RETURN(int64_t dim, CheckedMul(node, repeats[i], x.shape()[i]));
    plan.out_shape.push_back(dim);
    plan.axes.push_back({repeats[i], 0, {}});
    plan.axes.push_back({x.shape()[i], strides[i], {}});
  }
  return FinishPlan(node, std::move(plan), x.size());
}

Result<GatherPlan> PlanPad(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  const int64_t rank = x.rank();
  std::vector<int64_t> pads = node.GetInts("pads");  // before opset 11
  if (node.HasInput(1)) {
    FF_ASSIGN_OR_RETURN(pads, ReadInt64s(node, InputAt(inputs, 1), "pads"));
  }
  std::vector<int64_t> axes(static_cast<size_t>(rank));
  std::iota(axes.begin(), axes.end(), 0);
  if (node.HasInput(3)) {
    FF_ASSIGN_OR_RETURN(axes, ReadInt64s(node, InputAt(inputs, 3), "axes"));
  }
  if (pads.size() != 2 * axes.size())
    return NodeError(
        node, "pads has " + std::to_string(pads.size()) + " entries for " + std::to_string(axes.size()) + " axes");
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    FF_ASSIGN_OR_RETURN(int64_t a, NormalizeAxis(node, axes[k], rank));
    begin[static_cast<size_t>(a)] = pads[k];
    end[static_cast<size_t>(a)] = pads[k + axes.size()];
  }

  const std::string mode = node.GetString("mode", "constant");
  GatherPlan plan;
  if (mode == "constant" && node.HasInput(2)) {
    const Tensor& value = *InputAt(inputs, 2);
    if (value.dtype() != x.dtype())
      return NodeError(node,
                       "constant_value is " + DataTypeName(value.dtype()) + ", data is " + DataTypeName(x.dtype()));
    if (value.size() > 0) std::memcpy(plan.fill.data(), value.raw(), DataTypeSize(value.dtype()));
  } else if (mode == "constant") {
    FF_RETURN_IF_ERROR(FillFromDouble(node, x.dtype(), node.GetFloat("value", 0.f), plan.fill));
  }

  std::vector<int64_t> strides = Strides(x.shape());
  for (size_t a = 0; a < static_cast<size_t>(rank); ++a) {
    const int64_t dim = x.shape()[a];
    int64_t out_dim = 0;
    if (__builtin_add_overflow(dim, begin[a], &out_dim) || __builtin_add_overflow(out_dim, end[a], &out_dim) ||
        out_dim < 0)
      return NodeError(node, "pads " + ShapeToString(pads) + " give a negative or overflowing dim");
    plan.out_shape.push_back(out_dim);
  }
  FF_RETURN_IF_ERROR(CheckOutputShape(node, plan.out_shape));
  for (size_t a = 0; a < static_cast<size_t>(rank); ++a) {
    const int64_t dim = x.shape()[a], out_dim = plan.out_shape[a];
    if (begin[a] == 0 && end[a] <= 0) {
      plan.axes.push_back({out_dim, strides[a], {}});
      continue;
    }
    if (mode != "constant" && dim == 0 && out_dim > 0)
      return NodeError(node, "cannot pad an empty axis in mode '" + mode + "'");
    GatherAxis axis{out_dim, 0, std::vector<int64_t>(static_cast<size_t>(out_dim))};
    for (int64_t j = 0; j < out_dim; ++j) {
      int64_t src = PadSource(mode, j - begin[a], dim);
      axis.table[static_cast<size_t>(j)] = src < 0 ? kFill : src * strides[a];
    }
    plan.axes.push_back(std::move(axis));
  }
  return FinishPlan(node, std::move(plan), x.size());
}

Result<GatherPlan> PlanGather(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  const Tensor* indices_tensor = InputAt(inputs, 1);
  if (x.rank() == 0) return NodeError(node, "data must have rank >= 1");
  FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, node.GetInt("axis", 0), x.rank()));
  FF_ASSIGN_OR_RETURN(std::vector<int64_t> indices, ReadInt64s(node, indices_tensor, "indices", /*any_rank=*/true));
  const Shape& in = x.shape();
  const std::vector<int64_t> strides = Strides(in);
  const auto ax = static_cast<size_t>(axis);
  GatherPlan plan;
  plan.out_shape.assign(in.begin(), in.begin() + axis);
  plan.out_shape.insert(plan.out_shape.end(), indices_tensor->shape().begin(), indices_tensor->shape().end());
  plan.out_shape.insert(plan.out_shape.end(), in.begin() + axis + 1, in.end());
  for (size_t i = 0; i < ax; ++i) plan.axes.push_back({in[i], strides[i], {}});
  GatherAxis picked{static_cast<int64_t>(indices.size()), 0, std::move(indices)};
  for (int64_t& idx : picked.table) {
    if (idx < -in[ax] || idx >= in[ax])
      return NodeError(node, "index " + std::to_string(idx) + " is out of range for axis " + std::to_string(axis) +
                                 " of size " + std::to_string(in[ax]));
    idx = (idx < 0 ? idx + in[ax] : idx) * strides[ax];
  }
  plan.axes.push_back(std::move(picked));
  for (size_t i = ax + 1; i < in.size(); ++i) plan.axes.push_back({in[i], strides[i], {}});
  return FinishPlan(node, std::move(plan), x.size());
}

Result<GatherPlan> PlanDepthToSpace(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  const int64_t bs = node.GetInt("blocksize", 0);
  if (x.rank() != 4) return NodeError(node, "input must have rank 4, got " + ShapeToString(x.shape()));
  if (bs <= 0 || x.dim(1) % (bs * bs) != 0)
    return NodeError(node, "channels " + std::to_string(x.dim(1)) + " are not a multiple of blocksize^2");
  const int64_t n = x.dim(0), c = x.dim(1) / (bs * bs), h = x.dim(2), w = x.dim(3);
  const Shape out{n, c, h * bs, w * bs};
  if (node.GetString("mode", "DCR") == "CRD")
    return FinishPlan(node, PermutedView({n, c, bs, bs, h, w}, {0, 1, 4, 2, 5, 3}, out), x.size());
  return FinishPlan(node, PermutedView({n, bs, bs, c, h, w}, {0, 3, 4, 1, 5, 2}, out), x.size());
}

Result<GatherPlan> PlanSpaceToDepth(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  const int64_t bs = node.GetInt("blocksize", 0);
  if (x.rank() != 4) return NodeError(node, "input must have rank 4, got " + ShapeToString(x.shape()));
  if (bs <= 0 || x.dim(2) % bs != 0 || x.dim(3) % bs != 0)
    return NodeError(node, "height and width must be multiples of blocksize, got " + ShapeToString(x.shape()));
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2) / bs, w = x.dim(3) / bs;
  return FinishPlan(node, PermutedView({n, c, h, bs, w, bs}, {0, 3, 5, 1, 2, 4}, {n, c * bs * bs, h, w}), x.size());
}

void RunGatherPlanReference(const GatherPlan& plan, const Tensor& in, Tensor& out) {
  const size_t es = DataTypeSize(in.dtype());
  const auto* src = static_cast<const unsigned char*>(in.raw());
  auto* dst = static_cast<unsigned char*>(out.raw());
  const int64_t count = out.size();
  std::vector<int64_t> index(plan.axes.size(), 0);
  for (int64_t k = 0; k < count; ++k) {
    int64_t offset = plan.base;
    bool fill = false;
    for (size_t i = 0; i < plan.axes.size(); ++i) {
      int64_t o = plan.axes[i].Offset(index[i]);
      fill = fill || o == kFill;
      offset += fill ? 0 : o;
    }
    std::memcpy(dst + static_cast<size_t>(k) * es, fill ? plan.fill.data() : src + offset * static_cast<int64_t>(es),
                es);
    for (size_t i = plan.axes.size(); i-- > 0;) {  // odometer step
      if (++index[i] < plan.axes[i].size) break;
      index[i] = 0;
    }
  }
}

Result<RowPlan> PlanConcat(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& first = *inputs[0];
  if (first.rank() == 0) return NodeError(node, "cannot concatenate scalars");
  FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, node.GetInt("axis", 0), first.rank()));
  RowPlan plan;
  for (const Tensor* t : inputs) {
    if (t == nullptr) return NodeError(node, "an input is missing");
    bool same = t->rank() == first.rank() && t->dtype() == first.dtype();
    for (int64_t d = 0; same && d < first.rank(); ++d) same = d == axis || t->dim(d) == first.dim(d);
    if (!same)
      return NodeError(node, "input " + DataTypeName(t->dtype()) + ShapeToString(t->shape()) + " does not match " +
                                 DataTypeName(first.dtype()) + ShapeToString(first.shape()) + " outside axis " +
                                 std::to_string(axis));
    plan.offsets.push_back(plan.total);
    plan.sizes.push_back(t->dim(axis));
    plan.total += t->dim(axis);
  }
  Shape out = first.shape();
  out[static_cast<size_t>(axis)] = plan.total;
  FF_RETURN_IF_ERROR(CheckOutputShape(node, out));
  plan.outer = NumElements(Shape(out.begin(), out.begin() + axis));
  plan.inner = NumElements(Shape(out.begin() + axis + 1, out.end()));
  plan.part_shapes = {out};
  return plan;
}

Result<RowPlan> PlanSplit(const Node& node, std::span<const Tensor* const> inputs, size_t num_outputs) {
  const Tensor& x = *inputs[0];
  if (x.rank() == 0) return NodeError(node, "cannot split a scalar");
  FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, node.GetInt("axis", 0), x.rank()));
  const int64_t dim = x.dim(axis);
  const auto n = static_cast<int64_t>(num_outputs);
  RowPlan plan;
  if (node.HasInput(1)) {  // opset >= 13
    FF_ASSIGN_OR_RETURN(plan.sizes, ReadInt64s(node, InputAt(inputs, 1), "split"));
  } else if (node.Has("split")) {  // before opset 13
    plan.sizes = node.GetInts("split");
  } else if (node.Has("num_outputs")) {  // opset 18: the last part may be smaller
    const int64_t chunk = (dim + n - 1) / n;
    plan.sizes.assign(num_outputs, chunk);
    plan.sizes.back() = dim - chunk * (n - 1);
  } else {
    if (dim % n != 0)
      return NodeError(
          node, "axis of size " + std::to_string(dim) + " cannot be split into " + std::to_string(n) + " equal parts");
    plan.sizes.assign(num_outputs, dim / n);
  }
  if (plan.sizes.size() != num_outputs)
    return NodeError(node,
                     "split has " + std::to_string(plan.sizes.size()) + " sizes for " + std::to_string(n) + " outputs");
  for (int64_t s : plan.sizes) {
    if (s < 0 || s > dim - plan.total)
      return NodeError(node, "split sizes " + ShapeToString(plan.sizes) + " do not add up to " + std::to_string(dim));
    plan.offsets.push_back(plan.total);
    plan.total += s;
    Shape part = x.shape();
    part[static_cast<size_t>(axis)] = s;
    plan.part_shapes.push_back(std::move(part));
  }
  if (plan.total != dim)
    return NodeError(node, "split sizes " + ShapeToString(plan.sizes) + " do not add up to " + std::to_string(dim));
  plan.outer = NumElements(Shape(x.shape().begin(), x.shape().begin() + axis));
  plan.inner = NumElements(Shape(x.shape().begin() + axis + 1, x.shape().end()));
  return plan;
}

}  // namespace facefuse::rt
