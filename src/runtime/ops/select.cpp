// Selection ops: TopK and NonZero.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "runtime/ops/movement_plan.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

constexpr std::initializer_list<DataType> kNumericTypes = {DataType::kFloat32, DataType::kFloat64, DataType::kInt64,
                                                           DataType::kInt32,   DataType::kInt8,    DataType::kUInt8};

// Calls f(T{}) for the numeric dtypes (bool excluded).
template <typename F>
Status DispatchSortable(const Node& node, DataType dt, F&& f) {
  if (dt == DataType::kBool) return NodeUnsupported(node, "dtype bool");
  return DispatchNumeric(node, dt, f);
}

Status ValidateTopK(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, ctx.opset >= 10 ? 2 : 1, ctx.opset >= 10 ? 2 : 1));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 0, kNumericTypes));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kInt64}));
  if (ctx.opset < 10 && !ctx.node.Has("k")) return NodeError(ctx.node, "attribute k is required");
  if (ctx.node.outputs.size() != 2) return NodeError(ctx.node, "needs 2 outputs");
  return Status::Ok();
}

struct TopKParams {
  int64_t axis, k, outer, dim, inner;
};

Result<TopKParams> ResolveTopK(const Node& node, std::span<const Tensor* const> inputs) {
  const Tensor& x = *inputs[0];
  TopKParams p{};
  if (x.rank() == 0) return NodeError(node, "input must have rank >= 1");
  FF_ASSIGN_OR_RETURN(p.axis, NormalizeAxis(node, node.GetInt("axis", -1), x.rank()));
  p.k = node.GetInt("k", 0);  // before opset 10
  if (node.HasInput(1)) {
    FF_ASSIGN_OR_RETURN(std::vector<int64_t> k, ReadInt64s(node, inputs[1], "K"));
    if (k.size() != 1) return NodeError(node, "K must hold one value");
    p.k = k[0];
  }
  p.dim = x.dim(p.axis);
  if (p.k < 0 || p.k > p.dim)
    return NodeError(node, "K=" + std::to_string(p.k) + " is outside [0, " + std::to_string(p.dim) + "]");
  const Shape& s = x.shape();
  p.outer = NumElements(Shape(s.begin(), s.begin() + p.axis));
  p.inner = NumElements(Shape(s.begin() + p.axis + 1, s.end()));
  return p;
}

Status InferTopK(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(TopKParams p, ResolveTopK(node, inputs));
  Shape shape = inputs[0]->shape();
  shape[static_cast<size_t>(p.axis)] = p.k;
  outputs[0] = {inputs[0]->dtype(), shape};
  outputs[1] = {DataType::kInt64, shape};
  return Status::Ok();
}

// Orders (value, index) pairs: larger (or smaller) values first, NaN as the largest value, ties by lower index.
template <typename T>
struct TopKBefore {
  const T* values;
  int64_t stride;
  bool largest;
  static bool Greater(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a) || std::isnan(b)) return !std::isnan(b);
    }
    return a > b;
  }
  bool operator()(int64_t i, int64_t j) const {
    T a = values[i * stride], b = values[j * stride];
    if (Greater(a, b)) return largest;
    if (Greater(b, a)) return !largest;
    return i < j;
  }
};

Status ReferenceTopK(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(TopKParams p, ResolveTopK(node, inputs));
  const bool largest = node.GetInt("largest", 1) != 0;
  // Results are always sorted, which sorted=0 allows.
  return DispatchSortable(node, inputs[0]->dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* x = inputs[0]->data<T>();
    T* values = outputs[0]->data<T>();
    int64_t* indices = outputs[1]->data<int64_t>();
    std::vector<int64_t> order(static_cast<size_t>(p.dim));
    for (int64_t o = 0; o < p.outer; ++o) {
      for (int64_t in = 0; in < p.inner; ++in) {
        const T* row = x + o * p.dim * p.inner + in;
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + p.k, order.end(), TopKBefore<T>{row, p.inner, largest});
        for (int64_t j = 0; j < p.k; ++j) {
          const int64_t at = (o * p.k + j) * p.inner + in;
          indices[at] = order[static_cast<size_t>(j)];
          values[at] = row[order[static_cast<size_t>(j)] * p.inner];
        }
      }
    }
    return Status::Ok();
  });
}

Status ValidateNonZero(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, 1));
  return ExpectInputType(ctx, 0,
                         {DataType::kFloat32, DataType::kFloat64, DataType::kInt64, DataType::kInt32, DataType::kInt8,
                          DataType::kUInt8, DataType::kBool});
}

// Calls visit(flat_index) for each non-zero element of x, in order.
template <typename Visit>
Status ForEachNonZero(const Node& node, const Tensor& x, Visit&& visit) {
  return DispatchNumeric(node, x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* v = x.data<T>();
    for (int64_t i = 0; i < x.size(); ++i)
      if (v[i] != T{}) visit(i);
    return Status::Ok();
  });
}

// A scalar input counts as a 1-D tensor of one element, as in ONNX Runtime.
Status InferNonZero(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  int64_t count = 0;
  FF_RETURN_IF_ERROR(ForEachNonZero(node, *inputs[0], [&](int64_t) { ++count; }));
  outputs[0] = {DataType::kInt64, {std::max<int64_t>(inputs[0]->rank(), 1), count}};
  return Status::Ok();
}

Status ReferenceNonZero(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor& x = *inputs[0];
  const int64_t count = outputs[0]->dim(1);
  const std::vector<int64_t> strides = Strides(x.shape());
  int64_t* out = outputs[0]->data<int64_t>();
  int64_t n = 0;
  if (x.rank() == 0) std::fill_n(out, count, 0);
  return ForEachNonZero(node, x, [&](int64_t flat) {
    for (size_t d = 0; d < strides.size() && n < count; ++d)
      out[static_cast<int64_t>(d) * count + n] = flat / strides[d] % x.shape()[d];
    ++n;
  });
}

}  // namespace

void RegisterSelectOps(OpRegistry& r) {
  r.Add({"TopK", "", ValidateTopK, InferTopK, ReferenceTopK, "float32, float64, int64, int32, int8, uint8",
         "results are always sorted (also for sorted=0); NaN counts as the largest value"});
  r.Add({"NonZero", "", ValidateNonZero, InferNonZero, ReferenceNonZero,
         "float32, float64, int64, int32, int8, uint8, bool", "float16 is unsupported",
         /*output_shape_from_data=*/true});
}

}  // namespace facefuse::rt
