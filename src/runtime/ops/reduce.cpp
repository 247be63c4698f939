// Reductions: ReduceMean, ReduceSum, ReduceMax (axes attribute, or axes input
// from opset 13 for ReduceSum and 18 for the others; keepdims;
// noop_with_empty_axes) and ArgMax (axis, keepdims, select_last_index).
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/ops/binary_functors.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"
#include "runtime/ops/reduce_axes.h"

namespace facefuse::rt {

Result<ReduceGeometry> ResolveReduce(const Node& node, std::span<const Tensor* const> inputs) {
  if (inputs.empty() || inputs[0] == nullptr) return NodeError(node, "missing input 0");
  const Shape& shape = inputs[0]->shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> axes;
  if (node.HasInput(1)) {
    FF_ASSIGN_OR_RETURN(axes, ReadInt64s(node, inputs.size() > 1 ? inputs[1] : nullptr, "axes"));
  } else {
    axes = node.GetInts("axes");
  }
  ReduceGeometry g;
  g.reduced.assign(shape.size(), axes.empty());
  if (axes.empty() && node.GetInt("noop_with_empty_axes", 0) != 0) {
    g.noop = true;
    g.reduced.assign(shape.size(), false);
  }
  for (int64_t axis : axes) {
    FF_ASSIGN_OR_RETURN(int64_t a, NormalizeAxis(node, axis, rank));
    if (rank == 0) continue;  // a scalar has nothing to reduce
    if (g.reduced[static_cast<size_t>(a)]) return NodeError(node, "axis " + std::to_string(axis) + " is repeated");
    g.reduced[static_cast<size_t>(a)] = true;
  }
  const bool keepdims = node.GetInt("keepdims", 1) != 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    g.keep_shape.push_back(g.reduced[d] ? 1 : shape[d]);
    if (!g.reduced[d] || keepdims) g.out_shape.push_back(g.keep_shape.back());
  }
  return g;
}

namespace {

enum class ReduceOp { kMean, kSum, kMax };

bool IsArithmetic(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kInt32 || t == DataType::kInt64;
}

Status ExpectBoolAttr(const Node& node, const char* attr) {
  int64_t v = node.GetInt(attr, 0);
  if (v != 0 && v != 1) return NodeError(node, std::string(attr) + " must be 0 or 1, got " + std::to_string(v));
  return Status::Ok();
}

template <ReduceOp op>
Status ReduceValidate(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  const int64_t axes_input_opset = op == ReduceOp::kSum ? 13 : 18;
  if (ctx.opset >= axes_input_opset) {
    FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 2));
    if (node.Has("axes"))
      return NodeError(node, "axes is an input, not an attribute, since opset " + std::to_string(axes_input_opset));
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kInt64}));
  } else {
    FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
  }
  if (node.outputs.size() != 1) return NodeError(node, "expects 1 output");
  FF_RETURN_IF_ERROR(ExpectBoolAttr(node, "keepdims"));
  FF_RETURN_IF_ERROR(ExpectBoolAttr(node, "noop_with_empty_axes"));
  return ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64, DataType::kInt32, DataType::kInt64});
}

Status ReduceInfer(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(node, inputs));
  DataType dt = inputs[0]->dtype();
  if (!IsArithmetic(dt)) return NodeUnsupported(node, "dtype " + DataTypeName(dt));
  outputs[0] = OutputSpec{dt, g.out_shape, g.noop ? 0 : -1};
  return Status::Ok();
}

// Visits every element of a tensor of shape `in` with the offset of its
// element in a tensor of shape `keep` (`in` with some dims set to 1).
template <typename Visit>
void ForEachReduced(const Shape& in, const Shape& keep, Visit&& visit) {
  const std::vector<int64_t> out_strides = BroadcastStrides(keep, in);
  std::vector<int64_t> index(in.size(), 0);
  const int64_t total = NumElements(in);
  for (int64_t i = 0; i < total; ++i) {
    int64_t o = 0;
    for (size_t d = 0; d < in.size(); ++d) o += index[d] * out_strides[d];
    visit(i, o);
    for (size_t d = in.size(); d-- > 0;) {
      if (++index[d] < in[d]) break;
      index[d] = 0;
    }
  }
}

template <ReduceOp op>
Status ReduceReference(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(node, inputs));
  const Tensor& in = *inputs[0];
  Tensor& out = *outputs[0];
  if (g.noop) {
    if (out.raw() != in.raw()) std::memcpy(out.raw(), in.raw(), in.bytes());
    return Status::Ok();
  }
  return DispatchArithmetic(node, in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    // Sums accumulate in double, or in wrapping uint64 for integers.
    using Acc =
        std::conditional_t<op == ReduceOp::kMax, T, std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>>;
    const Acc init = op != ReduceOp::kMax          ? Acc{0}
                     : std::is_floating_point_v<T> ? -std::numeric_limits<Acc>::infinity()
                                                   : std::numeric_limits<Acc>::lowest();
    std::vector<Acc> acc(static_cast<size_t>(out.size()), init);
    const T* x = in.data<T>();
    ForEachReduced(in.shape(), g.keep_shape, [&](int64_t i, int64_t o) {
      Acc& a = acc[static_cast<size_t>(o)];
      if constexpr (op == ReduceOp::kMax)
        a = BinaryFn<BinaryOp::kMax>{}(a, x[i]);
      else
        a += static_cast<Acc>(x[i]);
    });
    const int64_t count = out.size() == 0 ? 0 : in.size() / out.size();
    T* y = out.data<T>();
    for (size_t o = 0; o < acc.size(); ++o) {
      if constexpr (op == ReduceOp::kMean) {
        if constexpr (std::is_floating_point_v<T>)
          y[o] = static_cast<T>(acc[o] / static_cast<double>(count));
        else
          y[o] = count == 0 ? T{0} : static_cast<T>(static_cast<int64_t>(acc[o]) / count);
      } else {
        y[o] = static_cast<T>(acc[o]);
      }
    }
    return Status::Ok();
  });
}

Status ArgMaxValidate(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
  if (ctx.node.outputs.size() != 1) return NodeError(ctx.node, "expects 1 output");
  FF_RETURN_IF_ERROR(ExpectBoolAttr(ctx.node, "keepdims"));
  FF_RETURN_IF_ERROR(ExpectBoolAttr(ctx.node, "select_last_index"));
  return ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64, DataType::kInt32, DataType::kInt64});
}

Status ArgMaxInfer(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  if (inputs.empty() || inputs[0] == nullptr) return NodeError(node, "missing input 0");
  const Tensor& in = *inputs[0];
  if (!IsArithmetic(in.dtype())) return NodeUnsupported(node, "dtype " + DataTypeName(in.dtype()));
  if (in.rank() == 0) return NodeError(node, "input must have rank >= 1");
  FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, node.GetInt("axis", 0), in.rank()));
  if (in.dim(axis) == 0) return NodeError(node, "cannot take ArgMax over an empty axis");
  Shape shape = in.shape();
  if (node.GetInt("keepdims", 1) != 0)
    shape[static_cast<size_t>(axis)] = 1;
  else
    shape.erase(shape.begin() + axis);
  outputs[0] = OutputSpec{DataType::kInt64, std::move(shape)};
  return Status::Ok();
}

Status ArgMaxReference(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor& in = *inputs[0];
  FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, node.GetInt("axis", 0), in.rank()));
  const bool last = node.GetInt("select_last_index", 0) != 0;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= in.dim(d);
  for (int64_t d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
  const int64_t n = in.dim(axis);
  int64_t* y = outputs[0]->data<int64_t>();
  return DispatchArithmetic(node, in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in.data<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < inner; ++j) {
        int64_t best = 0;
        for (int64_t k = 1; k < n; ++k) {
          T v = x[(o * n + k) * inner + j], b = x[(o * n + best) * inner + j];
          if (v > b || (last && v == b)) best = k;
        }
        y[o * inner + j] = best;
      }
    }
    return Status::Ok();
  });
}

constexpr std::string_view kReduceTypes = "float32, float64, int32, int64";
constexpr std::string_view kReduceLimits =
    "int8/int16/uint*/float16/bfloat16 not supported; the axes input must be int64";

}  // namespace

void RegisterReduceOps(OpRegistry& r) {
  r.Add(OpDef{"ReduceMean", "", ReduceValidate<ReduceOp::kMean>, ReduceInfer, ReduceReference<ReduceOp::kMean>,
              kReduceTypes, "integer means truncate toward zero; int8/int16/uint*/float16/bfloat16 not supported"});
  r.Add(OpDef{"ReduceSum", "", ReduceValidate<ReduceOp::kSum>, ReduceInfer, ReduceReference<ReduceOp::kSum>,
              kReduceTypes, kReduceLimits});
  r.Add(OpDef{"ReduceMax", "", ReduceValidate<ReduceOp::kMax>, ReduceInfer, ReduceReference<ReduceOp::kMax>,
              kReduceTypes, "int8/int16/uint*/float16/bfloat16 not supported"});
  r.Add(OpDef{"ArgMax", "", ArgMaxValidate, ArgMaxInfer, ArgMaxReference, "float32, float64, int32, int64 -> int64",
              "int8/int16/uint*/float16/bfloat16 not supported"});
}

}  // namespace facefuse::rt
