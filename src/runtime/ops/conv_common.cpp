#include "runtime/ops/conv_common.h"

#include <algorithm>
#include <array>
#include <limits>

#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

// Bounds that keep every size computation far from int64 overflow.
constexpr int64_t kMaxStrideOrDilation = int64_t{1} << 16;
constexpr int64_t kMaxPad = int64_t{1} << 30;
constexpr int64_t kMaxOutputElements = int64_t{1} << 44;

Status CheckIntsAttr(const Node& node, const char* attr, int64_t min, int64_t max) {
  if (!node.Has(attr)) return Status::Ok();
  if (!std::holds_alternative<std::vector<int64_t>>(node.attrs.at(attr).value))
    return NodeError(node, std::string("attribute ") + attr + " must be a list of ints");
  for (int64_t v : node.GetInts(attr))
    if (v < min || v > max)
      return NodeError(node, std::string("attribute ") + attr + " has value " + std::to_string(v) + " outside [" +
                                 std::to_string(min) + ", " + std::to_string(max) + "]");
  return Status::Ok();
}

// Attribute value checks that need no shapes (shared by load time and run time).
Status CheckConvAttrValues(const Node& node, bool transpose) {
  FF_RETURN_IF_ERROR(ExpectStringAttr(node, "auto_pad", {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}));
  if (node.Has("group") && !std::holds_alternative<int64_t>(node.attrs.at("group").value))
    return NodeError(node, "attribute group must be an int");
  if (node.GetInt("group", 1) < 1) return NodeError(node, "group must be >= 1");
  FF_RETURN_IF_ERROR(CheckIntsAttr(node, "kernel_shape", 1, std::numeric_limits<int32_t>::max()));
  FF_RETURN_IF_ERROR(CheckIntsAttr(node, "strides", 1, kMaxStrideOrDilation));
  FF_RETURN_IF_ERROR(CheckIntsAttr(node, "dilations", 1, kMaxStrideOrDilation));
  FF_RETURN_IF_ERROR(CheckIntsAttr(node, "pads", 0, kMaxPad));
  if (node.GetInts("pads").size() % 2 != 0) return NodeError(node, "pads must have an even number of values");
  if (transpose) {
    FF_RETURN_IF_ERROR(CheckIntsAttr(node, "output_padding", 0, kMaxPad));
    FF_RETURN_IF_ERROR(CheckIntsAttr(node, "output_shape", 1, kMaxPad));
  }
  return Status::Ok();
}

// attr's values, `def` repeated when absent; error when the length is not n.
Result<std::vector<int64_t>> SpatialInts(const Node& node, const char* attr, size_t n, int64_t def) {
  if (!node.Has(attr)) return std::vector<int64_t>(n, def);
  std::vector<int64_t> v = node.GetInts(attr);
  if (v.size() != n)
    return NodeError(node, std::string("attribute ") + attr + " has " + std::to_string(v.size()) +
                               " values; expected " + std::to_string(n) + " for this input rank");
  return v;
}

// The geometry padded to 3 spatial dims (leading dims of size 1), so one set
// of loops serves 1-D, 2-D and 3-D.
struct Geometry3 {
  std::array<int64_t, 3> in, out, k, s, d, p;
  explicit Geometry3(const ConvGeometry& g) {
    in = out = k = s = d = {1, 1, 1};
    p = {0, 0, 0};
    const size_t off = 3 - g.in_size.size();
    for (size_t i = 0; i < g.in_size.size(); ++i) {
      in[off + i] = g.in_size[i];
      out[off + i] = g.out_size[i];
      k[off + i] = g.kernel[i];
      s[off + i] = g.strides[i];
      d[off + i] = g.dilations[i];
      p[off + i] = g.pads_begin[i];
    }
  }
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
  int64_t k_volume() const { return k[0] * k[1] * k[2]; }
};

}  // namespace

Status ValidateConvAttributes(const ValidateContext& ctx, bool transpose) {
  for (size_t i = 0; i < 3; ++i) FF_RETURN_IF_ERROR(ExpectInputType(ctx, i, {DataType::kFloat32}));
  FF_RETURN_IF_ERROR(CheckConvAttrValues(ctx.node, transpose));
  if (const Tensor* w = ctx.constant(1)) {
    if (w->rank() < 3 || w->rank() > 5)
      return NodeUnsupported(ctx.node, "W has rank " + std::to_string(w->rank()) +
                                           "; only 1-D, 2-D and 3-D "
                                           "convolutions (rank 3..5) are supported");
    if (w->dim(0) % ctx.node.GetInt("group", 1) != 0)
      return NodeError(ctx.node, "W's first dim " + std::to_string(w->dim(0)) + " is not divisible by group");
  }
  return Status::Ok();
}

Result<ConvGeometry> ResolveConvGeometry(const Node& node, bool transpose, const Shape& x, const Shape& w,
                                         const Tensor* bias) {
  FF_RETURN_IF_ERROR(CheckConvAttrValues(node, transpose));
  if (x.size() < 3 || x.size() > 5)
    return NodeError(node, "X must have rank 3..5 (N, C, 1..3 spatial dims), got " + ShapeToString(x));
  if (w.size() != x.size())
    return NodeError(node, "W " + ShapeToString(w) + " must have the rank of X " + ShapeToString(x));
  const size_t n = x.size() - 2;
  ConvGeometry g;
  g.transpose = transpose;
  g.group = node.GetInt("group", 1);
  g.batch = x[0];
  g.in_channels = x[1];
  if (transpose) {
    if (w[0] != x[1] || w[0] % g.group != 0)
      return NodeError(node, "W " + ShapeToString(w) + " does not match X " + ShapeToString(x) + " and group " +
                                 std::to_string(g.group) + " (W[0] must equal C and be divisible by group)");
    g.out_channels = w[1] * g.group;
  } else {
    if (w[1] * g.group != x[1] || w[0] % g.group != 0)
      return NodeError(node, "W " + ShapeToString(w) + " does not match X " + ShapeToString(x) + " and group " +
                                 std::to_string(g.group) + " (need W[1] * group == C and W[0] % group == 0)");
    g.out_channels = w[0];
  }
  g.in_size.assign(x.begin() + 2, x.end());
  g.kernel.assign(w.begin() + 2, w.end());
  if (node.Has("kernel_shape") && node.GetInts("kernel_shape") != g.kernel)
    return NodeError(node, "kernel_shape does not match W " + ShapeToString(w));
  FF_ASSIGN_OR_RETURN(g.strides, SpatialInts(node, "strides", n, 1));
  FF_ASSIGN_OR_RETURN(g.dilations, SpatialInts(node, "dilations", n, 1));
  FF_ASSIGN_OR_RETURN(std::vector<int64_t> pads, SpatialInts(node, "pads", 2 * n, 0));
  g.pads_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(n));
  g.pads_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(n), pads.end());
  if (bias != nullptr && (bias->rank() != 1 || bias->size() != g.out_channels))
    return NodeError(node,
                     "B " + ShapeToString(bias->shape()) + " must have " + std::to_string(g.out_channels) + " values");

  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  g.out_size.resize(n);
  std::vector<int64_t> output_padding, output_shape;
  if (transpose) {
    FF_ASSIGN_OR_RETURN(output_padding, SpatialInts(node, "output_padding", n, 0));
    output_shape = node.GetInts("output_shape");
    if (output_shape.size() == n + 2) output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
    if (!output_shape.empty() && output_shape.size() != n)
      return NodeError(node, "output_shape must have " + std::to_string(n) + " values");
  }
  for (size_t i = 0; i < n; ++i) {
    const int64_t in = g.in_size[i], s = g.strides[i];
    const int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (auto_pad == "VALID") g.pads_begin[i] = g.pads_end[i] = 0;
    if (!transpose) {
      if (same) {
        g.out_size[i] = (in + s - 1) / s;
        const int64_t total = std::max<int64_t>(0, (g.out_size[i] - 1) * s + extent - in);
        g.pads_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        g.pads_end[i] = total - g.pads_begin[i];
      }
      const int64_t span = in + g.pads_begin[i] + g.pads_end[i] - extent;
      if (span < 0)
        return NodeError(node, "the kernel extent " + std::to_string(extent) +
                                   " exceeds the padded input along "
                                   "spatial axis " +
                                   std::to_string(i));
      g.out_size[i] = span / s + 1;
    } else {
      const int64_t full = s * (in - 1) + output_padding[i] + extent;
      if (!output_shape.empty() || same) {
        g.out_size[i] = output_shape.empty() ? in * s : output_shape[i];
        const int64_t total = full - g.out_size[i];
        // Python floor division, as in the ONNX reference: the odd unit goes to pads_begin.
        const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
        g.pads_begin[i] = auto_pad == "SAME_UPPER" ? half : total - half;
        g.pads_end[i] = total - g.pads_begin[i];
      } else {
        g.out_size[i] = full - g.pads_begin[i] - g.pads_end[i];
      }
      g.pads_end[i] -= output_padding[i];
      if (g.out_size[i] < 1)
        return NodeError(node, "output size " + std::to_string(g.out_size[i]) + " along spatial axis " +
                                   std::to_string(i) + " is not positive");
    }
  }
  g.y_shape = {g.batch, g.out_channels};
  g.y_shape.insert(g.y_shape.end(), g.out_size.begin(), g.out_size.end());
  int64_t elements = 1;
  for (int64_t d : g.y_shape)
    if (__builtin_mul_overflow(elements, d, &elements) || elements > kMaxOutputElements)
      return NodeError(node, "output " + ShapeToString(g.y_shape) + " is too large");
  return g;
}

void ConvReference(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  const Geometry3 c(g);
  const int64_t cg = g.in_channels / g.group, mg = g.out_channels / g.group;
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t m = 0; m < g.out_channels; ++m) {
      const int64_t first_c = m / mg * cg;
      float* y_plane = y + (n * g.out_channels + m) * c.out_plane();
      for (int64_t o0 = 0; o0 < c.out[0]; ++o0) {
        for (int64_t o1 = 0; o1 < c.out[1]; ++o1) {
          for (int64_t o2 = 0; o2 < c.out[2]; ++o2) {
            double acc = bias ? bias[m] : 0.0;
            for (int64_t ci = 0; ci < cg; ++ci) {
              const float* x_plane = x + (n * g.in_channels + first_c + ci) * c.in_plane();
              const float* w_kernel = w + (m * cg + ci) * c.k_volume();
              for (int64_t k0 = 0; k0 < c.k[0]; ++k0) {
                const int64_t i0 = o0 * c.s[0] - c.p[0] + k0 * c.d[0];
                if (i0 < 0 || i0 >= c.in[0]) continue;
                for (int64_t k1 = 0; k1 < c.k[1]; ++k1) {
                  const int64_t i1 = o1 * c.s[1] - c.p[1] + k1 * c.d[1];
                  if (i1 < 0 || i1 >= c.in[1]) continue;
                  for (int64_t k2 = 0; k2 < c.k[2]; ++k2) {
                    const int64_t i2 = o2 * c.s[2] - c.p[2] + k2 * c.d[2];
                    if (i2 < 0 || i2 >= c.in[2]) continue;
                    acc += static_cast<double>(x_plane[(i0 * c.in[1] + i1) * c.in[2] + i2]) *
                           w_kernel[(k0 * c.k[1] + k1) * c.k[2] + k2];
                  }
                }
              }
            }
            y_plane[(o0 * c.out[1] + o1) * c.out[2] + o2] = static_cast<float>(acc);
          }
        }
      }
    }
  }
}

void ConvTransposeReference(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  const Geometry3 c(g);
  const int64_t cg = g.in_channels / g.group, mg = g.out_channels / g.group;
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t m = 0; m < g.out_channels; ++m)
      std::fill_n(y + (n * g.out_channels + m) * c.out_plane(), c.out_plane(), bias ? bias[m] : 0.f);
    for (int64_t ch = 0; ch < g.in_channels; ++ch) {
      const float* x_plane = x + (n * g.in_channels + ch) * c.in_plane();
      const int64_t first_m = ch / cg * mg;
      for (int64_t mi = 0; mi < mg; ++mi) {
        float* y_plane = y + (n * g.out_channels + first_m + mi) * c.out_plane();
        const float* w_kernel = w + (ch * mg + mi) * c.k_volume();
        for (int64_t i0 = 0; i0 < c.in[0]; ++i0) {
          for (int64_t i1 = 0; i1 < c.in[1]; ++i1) {
            for (int64_t i2 = 0; i2 < c.in[2]; ++i2) {
              const float xv = x_plane[(i0 * c.in[1] + i1) * c.in[2] + i2];
              for (int64_t k0 = 0; k0 < c.k[0]; ++k0) {
                const int64_t o0 = i0 * c.s[0] - c.p[0] + k0 * c.d[0];
                if (o0 < 0 || o0 >= c.out[0]) continue;
                for (int64_t k1 = 0; k1 < c.k[1]; ++k1) {
                  const int64_t o1 = i1 * c.s[1] - c.p[1] + k1 * c.d[1];
                  if (o1 < 0 || o1 >= c.out[1]) continue;
                  for (int64_t k2 = 0; k2 < c.k[2]; ++k2) {
                    const int64_t o2 = i2 * c.s[2] - c.p[2] + k2 * c.d[2];
                    if (o2 < 0 || o2 >= c.out[2]) continue;
                    y_plane[(o0 * c.out[1] + o1) * c.out[2] + o2] += xv * w_kernel[(k0 * c.k[1] + k1) * c.k[2] + k2];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

Result<FusedActivation> ReadFusedActivation(const Node& node) {
  struct Known {
    const char* kind;
    std::vector<float> defaults;
  };
  static const Known kKnown[] = {
      {"", {}},
      {"Relu", {}},
      {"LeakyRelu", {0.01f}},
      {"Sigmoid", {}},
      {"HardSigmoid", {0.2f, 0.5f}},
      {"Tanh", {}},
      {"Clip", {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()}},
      {"Elu", {1.f}},
      {"PRelu", {}},
  };
  FusedActivation a;
  a.kind = node.GetString("activation", "");
  for (const Known& k : kKnown) {
    if (a.kind != k.kind) continue;
    a.params = node.Has("activation_params") ? node.GetFloats("activation_params") : k.defaults;
    if (a.params.size() != k.defaults.size())
      return NodeError(node, "activation " + a.kind + " takes " + std::to_string(k.defaults.size()) +
                                 " activation_params, got " + std::to_string(a.params.size()));
    return a;
  }
  return NodeUnsupported(node, "activation '" + a.kind +
                                   "' is not supported (supported: Relu, LeakyRelu, Sigmoid, "
                                   "HardSigmoid, Tanh, Clip, Elu, PRelu)");
}

void ApplyChannelPRelu(std::span<const float> slope, int64_t channels, int64_t spatial, int64_t batch, float* y) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t ch = 0; ch < channels; ++ch) {
      const float a = slope.size() == 1 ? slope[0] : slope[static_cast<size_t>(ch)];
      float* p = y + (n * channels + ch) * spatial;
      for (int64_t i = 0; i < spatial; ++i) p[i] = p[i] < 0.f ? a * p[i] : p[i];
    }
  }
}

}  // namespace facefuse::rt
