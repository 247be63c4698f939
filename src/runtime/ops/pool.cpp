// MaxPool (with the optional Indices output), AveragePool, GlobalAveragePool,
// GlobalMaxPool: 1-D, 2-D and 3-D (any spatial rank in the reference kernel).
#include "runtime/ops/pool.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

bool IsGlobal(const Node& node) { return node.op_type.starts_with("Global"); }
bool IsMax(const Node& node) { return node.op_type.find("Max") != std::string::npos; }

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

Result<PoolGeometry> ComputePoolGeometry(const Node& node, const Shape& x) {
  if (x.size() < 2) return NodeError(node, "input must be [N, C, spatial...], got " + ShapeToString(x));
  PoolGeometry g;
  g.batch = x[0];
  g.channels = x[1];
  g.in_spatial.assign(x.begin() + 2, x.end());
  const size_t rank = g.in_spatial.size();
  if (IsGlobal(node)) {
    g.kernel = g.in_spatial;
    std::replace(g.kernel.begin(), g.kernel.end(), int64_t{0}, int64_t{1});
  } else {
    g.kernel = node.GetInts("kernel_shape");
    if (g.kernel.size() != rank)
      return NodeError(node, "kernel_shape has " + std::to_string(g.kernel.size()) + " dims for input " +
                                 ShapeToString(x));
  }
  g.strides = node.GetInts("strides", std::vector<int64_t>(rank, 1));
  g.dilations = node.GetInts("dilations", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> pads = node.GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  if (IsGlobal(node)) {
    g.strides.assign(rank, 1);
    g.dilations.assign(rank, 1);
    pads.assign(2 * rank, 0);
  }
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  const bool ceil_mode = node.GetInt("ceil_mode", 0) != 0;
  g.pads_begin.resize(rank);
  g.pads_end.resize(rank);
  g.out_spatial.resize(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t in = g.in_spatial[i], s = g.strides[i];
    const int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      g.out_spatial[i] = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (g.out_spatial[i] - 1) * s + extent - in);
      g.pads_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pads_end[i] = total - g.pads_begin[i];
      continue;
    }
    g.pads_begin[i] = auto_pad == "VALID" ? 0 : pads[i];
    g.pads_end[i] = auto_pad == "VALID" ? 0 : pads[i + rank];
    const int64_t span = in + g.pads_begin[i] + g.pads_end[i] - extent;
    if (span < 0)
      return NodeError(node, "the kernel (extent " + std::to_string(extent) + ") is larger than the padded input " +
                                 ShapeToString(x));
    g.out_spatial[i] = (ceil_mode && auto_pad != "VALID" ? -FloorDiv(-span, s) : span / s) + 1;
    if (ceil_mode && (g.out_spatial[i] - 1) * s >= in + g.pads_begin[i]) --g.out_spatial[i];
  }
  g.out = {g.batch, g.channels};
  g.out.insert(g.out.end(), g.out_spatial.begin(), g.out_spatial.end());
  return g;
}

int64_t PaddedWindowSize(const PoolGeometry& g, size_t dim, int64_t o) {
  int64_t start = o * g.strides[dim] - g.pads_begin[dim];
  int64_t end = std::min(start + (g.kernel[dim] - 1) * g.dilations[dim] + 1, g.in_spatial[dim] + g.pads_end[dim]);
  return (end - start + g.dilations[dim] - 1) / g.dilations[dim];
}

namespace {

Status CheckPositive(const Node& node, const char* attr, size_t count) {
  if (!node.Has(attr)) return Status::Ok();
  std::vector<int64_t> v = node.GetInts(attr);
  if (v.size() != count)
    return NodeError(node, std::string(attr) + " must have " + std::to_string(count) + " values");
  for (int64_t x : v)
    if (x < 1) return NodeError(node, std::string(attr) + " values must be >= 1");
  return Status::Ok();
}

Status ValidatePool(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
  if (IsMax(node)) {
    FF_RETURN_IF_ERROR(
        ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64, DataType::kInt8, DataType::kUInt8}));
  } else {
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64}));
  }
  if (IsGlobal(node)) return Status::Ok();
  const std::vector<int64_t> kernel = node.GetInts("kernel_shape");
  if (kernel.empty()) return NodeError(node, "kernel_shape is required");
  FF_RETURN_IF_ERROR(CheckPositive(node, "kernel_shape", kernel.size()));
  FF_RETURN_IF_ERROR(CheckPositive(node, "strides", kernel.size()));
  FF_RETURN_IF_ERROR(CheckPositive(node, "dilations", kernel.size()));
  FF_RETURN_IF_ERROR(ExpectStringAttr(node, "auto_pad", {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}));
  if (node.Has("pads")) {
    std::vector<int64_t> pads = node.GetInts("pads");
    if (pads.size() != 2 * kernel.size()) return NodeError(node, "pads must have 2 * spatial rank values");
    for (size_t i = 0; i < pads.size(); ++i)
      if (pads[i] < 0 || pads[i] >= kernel[i % kernel.size()])
        return NodeError(node, "pads must be >= 0 and smaller than the kernel");
  }
  if (!IsMax(node)) {
    std::vector<int64_t> dilations = node.GetInts("dilations");
    if (std::any_of(dilations.begin(), dilations.end(), [](int64_t d) { return d != 1; }))
      return NodeUnsupported(node, "AveragePool dilations other than 1");
  }
  if (node.GetInt("storage_order", 0) != 0 && node.GetInt("storage_order", 0) != 1)
    return NodeError(node, "storage_order must be 0 or 1");
  return Status::Ok();
}

Status InferPool(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(PoolGeometry g, ComputePoolGeometry(node, inputs[0]->shape()));
  outputs[0] = {inputs[0]->dtype(), g.out};
  if (outputs.size() > 1) outputs[1] = {DataType::kInt64, g.out};
  return Status::Ok();
}

// Calls visit(spatial_offset) for every in-bounds tap of the window at output
// position `out_coord`; returns the number of such taps.
template <typename Visit>
int64_t ForEachTap(const PoolGeometry& g, const std::vector<int64_t>& out_coord, Visit&& visit) {
  const size_t rank = g.kernel.size();
  const int64_t taps = NumElements(g.kernel);
  int64_t inside = 0;
  for (int64_t t = 0; t < taps; ++t) {
    int64_t rest = t, offset = 0, in_stride = 1;
    bool in_bounds = true;
    for (size_t d = rank; d-- > 0;) {
      int64_t j = rest % g.kernel[d];
      rest /= g.kernel[d];
      int64_t pos = out_coord[d] * g.strides[d] - g.pads_begin[d] + j * g.dilations[d];
      in_bounds = in_bounds && pos >= 0 && pos < g.in_spatial[d];
      offset += pos * in_stride;
      in_stride *= g.in_spatial[d];
    }
    if (!in_bounds) continue;
    visit(offset);
    ++inside;
  }
  return inside;
}

// The offset of a row-major spatial offset when stored column-major.
int64_t ColumnMajorOffset(const Shape& dims, int64_t row_major) {
  int64_t offset = 0, stride = 1;
  std::vector<int64_t> coord(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    coord[d] = row_major % dims[d];
    row_major /= dims[d];
  }
  for (size_t d = 0; d < dims.size(); ++d) {
    offset += coord[d] * stride;
    stride *= dims[d];
  }
  return offset;
}

template <typename T>
void PoolLoops(const Node& node, const PoolGeometry& g, const T* x, T* y, int64_t* indices) {
  const bool is_max = IsMax(node);
  const bool include_pad = node.GetInt("count_include_pad", 0) != 0;
  const bool column_major = node.GetInt("storage_order", 0) == 1;
  const int64_t planes = g.batch * g.channels;
  const int64_t in_plane = NumElements(g.in_spatial), out_plane = NumElements(g.out_spatial);
  std::vector<int64_t> coord(g.kernel.size());
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * in_plane;
    for (int64_t o = 0; o < out_plane; ++o) {
      int64_t rest = o;
      for (size_t d = coord.size(); d-- > 0;) {
        coord[d] = rest % g.out_spatial[d];
        rest /= g.out_spatial[d];
      }
      const int64_t out_index = p * out_plane + o;
      if (is_max) {
        T best = std::numeric_limits<T>::lowest();
        int64_t best_offset = 0;
        ForEachTap(g, coord, [&](int64_t off) {
          if (xp[off] > best) { best = xp[off]; best_offset = off; }
        });
        y[out_index] = best;
        if (indices)
          indices[out_index] =
              p * in_plane + (column_major ? ColumnMajorOffset(g.in_spatial, best_offset) : best_offset);
        continue;
      }
      double sum = 0;
      int64_t count = ForEachTap(g, coord, [&](int64_t off) { sum += xp[off]; });
      if (include_pad) {
        count = 1;
        for (size_t d = 0; d < coord.size(); ++d) count *= PaddedWindowSize(g, d, coord[d]);
      }
      y[out_index] = count > 0 ? static_cast<T>(sum / static_cast<double>(count)) : T(0);
    }
  }
}

Status ReferencePool(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(PoolGeometry g, ComputePoolGeometry(node, inputs[0]->shape()));
  int64_t* indices = outputs.size() > 1 && outputs[1] != nullptr ? outputs[1]->data<int64_t>() : nullptr;
  return DispatchNumeric(node, inputs[0]->dtype(), [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      return NodeUnsupported(node, "dtype bool");
    } else {
      PoolLoops(node, g, inputs[0]->data<T>(), outputs[0]->data<T>(), indices);
      return Status::Ok();
    }
  });
}

}  // namespace

void RegisterPoolOps(OpRegistry& r) {
  r.Add({"MaxPool", "", ValidatePool, InferPool, ReferencePool, "float32, float64, int8, uint8",
         "float16 is not supported. The Indices output runs on the reference kernel only."});
  r.Add({"AveragePool", "", ValidatePool, InferPool, ReferencePool, "float32, float64",
         "dilations other than 1 (opset 19) and float16 are not supported."});
  r.Add({"GlobalAveragePool", "", ValidatePool, InferPool, ReferencePool, "float32, float64",
         "float16 is not supported."});
  r.Add({"GlobalMaxPool", "", ValidatePool, InferPool, ReferencePool, "float32, float64, int8, uint8",
         "float16 is not supported."});
}

}  // namespace facefuse::rt
