// MatMul (numpy semantics) and Gemm.
#include "runtime/ops/matmul.h"

#include <type_traits>

#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {

Result<MatMulDims> ComputeMatMulDims(const Node& node, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) return NodeError(node, "MatMul operands must have rank >= 1");
  MatMulDims d;
  const bool a_vector = a.size() == 1, b_vector = b.size() == 1;
  d.m = a_vector ? 1 : a[a.size() - 2];
  d.k = a.back();
  int64_t b_k = b_vector ? b[0] : b[b.size() - 2];
  d.n = b_vector ? 1 : b.back();
  if (d.k != b_k)
    return NodeError(node, "inner dimensions differ: " + ShapeToString(a) + " x " + ShapeToString(b));
  Shape a_batch(a.begin(), a.end() - (a_vector ? 1 : 2));
  Shape b_batch(b.begin(), b.end() - (b_vector ? 1 : 2));
  auto batch = BroadcastShapes(a_batch, b_batch);
  if (!batch.ok()) return NodeError(node, "batch dims: " + batch.status().message());
  d.batch = *batch;
  d.a_batch = Shape(d.batch.size() - a_batch.size(), 1);
  d.a_batch.insert(d.a_batch.end(), a_batch.begin(), a_batch.end());
  d.b_batch = Shape(d.batch.size() - b_batch.size(), 1);
  d.b_batch.insert(d.b_batch.end(), b_batch.begin(), b_batch.end());
  d.out = d.batch;
  if (!a_vector) d.out.push_back(d.m);
  if (!b_vector) d.out.push_back(d.n);
  return d;
}

Result<GemmDims> ComputeGemmDims(const Node& node, const Shape& a, const Shape& b, const Tensor* c) {
  if (a.size() != 2 || b.size() != 2)
    return NodeError(node, "A and B must be 2-D, got " + ShapeToString(a) + " and " + ShapeToString(b));
  GemmDims d;
  d.trans_a = node.GetInt("transA", 0) != 0;
  d.trans_b = node.GetInt("transB", 0) != 0;
  d.m = d.trans_a ? a[1] : a[0];
  d.k = d.trans_a ? a[0] : a[1];
  d.n = d.trans_b ? b[0] : b[1];
  int64_t b_k = d.trans_b ? b[1] : b[0];
  if (d.k != b_k) return NodeError(node, "inner dimensions differ: " + ShapeToString(a) + " x " + ShapeToString(b));
  if (c != nullptr) {
    Shape y = {d.m, d.n};
    auto bc = BroadcastShapes(c->shape(), y);
    if (c->rank() > 2 || !bc.ok() || *bc != y)
      return NodeError(node, "C of shape " + ShapeToString(c->shape()) + " does not broadcast to " + ShapeToString(y));
  }
  return d;
}

namespace {

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, T>;

// ---- MatMul ----

Status ValidateMatMul(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 2, 2));
  for (size_t i = 0; i < 2; ++i)
    FF_RETURN_IF_ERROR(
        ExpectInputType(ctx, i, {DataType::kFloat32, DataType::kFloat64, DataType::kInt32, DataType::kInt64}));
  if (ctx.type(0) != DataType::kUndefined && ctx.type(1) != DataType::kUndefined && ctx.type(0) != ctx.type(1))
    return NodeError(ctx.node, "A and B have different dtypes");
  return Status::Ok();
}

Status InferMatMul(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  if (inputs[0]->dtype() != inputs[1]->dtype()) return NodeError(node, "A and B have different dtypes");
  FF_ASSIGN_OR_RETURN(MatMulDims d, ComputeMatMulDims(node, inputs[0]->shape(), inputs[1]->shape()));
  outputs[0] = {inputs[0]->dtype(), d.out};
  return Status::Ok();
}

template <typename T>
void MatMulLoops(const T* a, const T* b, T* y, const MatMulDims& d) {
  const std::vector<int64_t> a_strides = BroadcastStrides(d.a_batch, d.batch);
  const std::vector<int64_t> b_strides = BroadcastStrides(d.b_batch, d.batch);
  const int64_t batches = NumElements(d.batch);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t rest = bi, a_index = 0, b_index = 0;
    for (size_t dim = d.batch.size(); dim-- > 0;) {
      int64_t i = rest % d.batch[dim];
      rest /= d.batch[dim];
      a_index += i * a_strides[dim];
      b_index += i * b_strides[dim];
    }
    const T* a_mat = a + a_index * d.m * d.k;
    const T* b_mat = b + b_index * d.k * d.n;
    T* y_mat = y + bi * d.m * d.n;
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) {
        Accumulator<T> acc = 0;
        for (int64_t p = 0; p < d.k; ++p) acc += Accumulator<T>(a_mat[i * d.k + p]) * b_mat[p * d.n + j];
        y_mat[i * d.n + j] = static_cast<T>(acc);
      }
  }
}

Status ReferenceMatMul(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(MatMulDims d, ComputeMatMulDims(node, inputs[0]->shape(), inputs[1]->shape()));
  return DispatchNumeric(node, inputs[0]->dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      return NodeUnsupported(node, "dtype bool");
    } else {
      MatMulLoops(inputs[0]->data<T>(), inputs[1]->data<T>(), outputs[0]->data<T>(), d);
      return Status::Ok();
    }
  });
}

// ---- Gemm ----

Status ValidateGemm(const ValidateContext& ctx) {
  // C is optional from opset 11.
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, ctx.opset >= 11 ? 2 : 3, 3));
  for (size_t i = 0; i < 3; ++i) FF_RETURN_IF_ERROR(ExpectInputType(ctx, i, {DataType::kFloat32, DataType::kFloat64}));
  for (size_t i = 1; i < 3; ++i)
    if (ctx.type(i) != DataType::kUndefined && ctx.type(0) != DataType::kUndefined && ctx.type(i) != ctx.type(0))
      return NodeError(ctx.node, "A, B and C must have the same dtype");
  return Status::Ok();
}

const Tensor* GemmC(std::span<const Tensor* const> inputs) { return inputs.size() > 2 ? inputs[2] : nullptr; }

Status InferGemm(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Tensor* c = GemmC(inputs);
  if (inputs[1]->dtype() != inputs[0]->dtype() || (c != nullptr && c->dtype() != inputs[0]->dtype()))
    return NodeError(node, "A, B and C must have the same dtype");
  FF_ASSIGN_OR_RETURN(GemmDims d, ComputeGemmDims(node, inputs[0]->shape(), inputs[1]->shape(), c));
  outputs[0] = {inputs[0]->dtype(), {d.m, d.n}};
  return Status::Ok();
}

template <typename T>
void GemmLoops(const Node& node, const GemmDims& d, const T* a, const T* b, const Tensor* c, T* y) {
  const double alpha = node.GetFloat("alpha", 1.f), beta = node.GetFloat("beta", 1.f);
  std::vector<int64_t> c_strides = c ? BroadcastStrides(c->shape(), {d.m, d.n}) : std::vector<int64_t>{0, 0};
  for (int64_t i = 0; i < d.m; ++i)
    for (int64_t j = 0; j < d.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < d.k; ++p) {
        double a_ip = d.trans_a ? a[p * d.m + i] : a[i * d.k + p];
        double b_pj = d.trans_b ? b[j * d.k + p] : b[p * d.n + j];
        acc += a_ip * b_pj;
      }
      double bias = c ? beta * c->data<T>()[i * c_strides[0] + j * c_strides[1]] : 0.0;
      y[i * d.n + j] = static_cast<T>(alpha * acc + bias);
    }
}

Status ReferenceGemm(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor* c = GemmC(inputs);
  FF_ASSIGN_OR_RETURN(GemmDims d, ComputeGemmDims(node, inputs[0]->shape(), inputs[1]->shape(), c));
  if (inputs[0]->dtype() == DataType::kFloat64)
    GemmLoops(node, d, inputs[0]->data<double>(), inputs[1]->data<double>(), c, outputs[0]->data<double>());
  else
    GemmLoops(node, d, inputs[0]->data<float>(), inputs[1]->data<float>(), c, outputs[0]->data<float>());
  return Status::Ok();
}

}  // namespace

void RegisterMatMulOps(OpRegistry& r) {
  r.Add({"MatMul", "", ValidateMatMul, InferMatMul, ReferenceMatMul, "float32, float64, int32, int64",
         "float16, bfloat16 and unsigned integer dtypes are not supported."});
  r.Add({"Gemm", "", ValidateGemm, InferGemm, ReferenceGemm, "float32, float64",
         "Integer and float16 dtypes are not supported."});
}

}  // namespace facefuse::rt
