#include "runtime/providers/cpu/dnnl_conv_plan.h"

#include <cstring>
#include <unordered_map>

#include "runtime/providers/cpu/dnnl_util.h"

namespace facefuse::rt::cpu {
namespace {

using dnnl::algorithm;
using dnnl::memory;

memory::dims Concat(memory::dims a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// oneDNN's weight dims: ([G,] OC/G, IC/G, k...) for both conv and deconv.
memory::dims WeightDims(const ConvGeometry& g) {
  const int64_t ic = g.in_channels / g.group, oc = g.out_channels / g.group;
  return g.group > 1 ? Concat({g.group, oc, ic}, g.kernel) : Concat({oc, ic}, g.kernel);
}

// The ONNX weights in oneDNN's dim order: Conv W [M, C/G, k...] is dense in
// that order; ConvTranspose W [C, M/G, k...] = (G, IC/G, OC/G, k) has the
// OC and IC strides swapped.
memory::desc UserWeightDesc(const ConvGeometry& g) {
  memory::dims dims = WeightDims(g);
  memory::dims strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
  if (g.transpose) {
    const size_t oc_axis = g.group > 1 ? 1 : 0;
    const memory::dim kernel_volume = strides[oc_axis + 1];
    strides[oc_axis + 1] = kernel_volume * dims[oc_axis];  // IC steps over OC/G kernels
    strides[oc_axis] = kernel_volume;
  }
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory::desc ActivationDesc(const Shape& shape, ConvLayout layout) {
  switch (layout) {
    case ConvLayout::kPlain:
      return PlainDesc(shape);
    case ConvLayout::kChannelsLast:
      return ChannelsLastDesc(shape);
    case ConvLayout::kBlocked:
      break;
  }
  return memory::desc(ToDnnlDims(shape), memory::data_type::f32, memory::format_tag::any);
}

// Appends the epilogue's post-ops; returns the PRelu post-op index or -1.
int AppendPostOps(const ConvEpilogue& e, dnnl::post_ops& ops) {
  if (e.sum) ops.append_sum(1.f);
  const std::string& kind = e.activation.kind;
  const std::vector<float>& p = e.activation.params;
  if (kind == "PRelu") {
    ops.append_prelu(e.slope_size > 1 ? 1 << 1 : 0);
    return ops.len() - 1;
  }
  if (kind == "HardSigmoid") {
    ops.append_eltwise(1.f, algorithm::eltwise_linear, p[0], p[1]);
    ops.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 1.f);
    return -1;
  }
  static const std::unordered_map<std::string, algorithm> kAlgorithms = {
      {"Relu", algorithm::eltwise_relu},        {"LeakyRelu", algorithm::eltwise_relu},
      {"Sigmoid", algorithm::eltwise_logistic}, {"Tanh", algorithm::eltwise_tanh},
      {"Clip", algorithm::eltwise_clip},        {"Elu", algorithm::eltwise_elu}};
  auto it = kAlgorithms.find(kind);
  if (it != kAlgorithms.end()) ops.append_eltwise(1.f, it->second, p.empty() ? 0.f : p[0], p.size() > 1 ? p[1] : 0.f);
  return -1;
}

// oneDNN's first implementation for the convolution, except that its own jit depthwise kernel ("jit_dw:") is
// taken where it lists its brgemm one ("brdgmm_dw:") first, with the same layouts: on AVX-512 oneDNN 2.6 lists
// brdgmm_dw first for channels-last depthwise convolutions, and jit_dw ran them in 17-31 % less time on one thread
// ([56,56,64] 43 against 52 us, [28,28,64] 9.0 against 13.0, [14,14,256] 11.2 against 14.9, [160,160,32] 147
// against 214; 400 runs each).
dnnl::convolution_forward::primitive_desc PreferredConvolution(const dnnl::convolution_forward::desc& desc,
                                                               const dnnl::primitive_attr& attr) {
  dnnl::convolution_forward::primitive_desc first(desc, attr, DnnlEngine());
  if (!std::string_view(first.impl_info_str()).starts_with("brdgmm_dw")) return first;
  dnnl::convolution_forward::primitive_desc other(desc, attr, DnnlEngine());
  while (other.next_impl()) {
    if (!std::string_view(other.impl_info_str()).starts_with("jit_dw")) continue;
    const bool same_layouts = other.src_desc() == first.src_desc() && other.dst_desc() == first.dst_desc();
    return same_layouts ? other : first;
  }
  return first;
}

std::optional<dnnl::reorder> ReorderIfNeeded(const memory::desc& from, const memory::desc& to) {
  if (from == to) return std::nullopt;
  return dnnl::reorder(dnnl::reorder::primitive_desc(DnnlEngine(), from, DnnlEngine(), to));
}

}  // namespace

const char* ConvLayoutName(ConvLayout layout) {
  switch (layout) {
    case ConvLayout::kPlain:
      return "plain";
    case ConvLayout::kBlocked:
      return "blocked";
    case ConvLayout::kChannelsLast:
      return "channels-last";
  }
  return "?";
}

std::string ConvPlanKey(const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias, bool channels_last_io,
                        int threads) {
  auto list = [](const std::vector<int64_t>& v) {
    std::string s;
    for (int64_t x : v) s += (s.empty() ? "" : "x") + std::to_string(x);
    return s;
  };
  const dnnl_version_t* v = dnnl_version();
  std::string key = std::string("conv ") + (g.transpose ? "transpose " : "") + (channels_last_io ? "nhwc" : "nchw");
  key += " n" + std::to_string(g.batch) + " ic" + std::to_string(g.in_channels) + " oc" +
         std::to_string(g.out_channels) + " g" + std::to_string(g.group) + " in" + list(g.in_size) + " k" +
         list(g.kernel) + " s" + list(g.strides) + " d" + list(g.dilations) + " pb" + list(g.pads_begin) + " pe" +
         list(g.pads_end) + " out" + list(g.out_size);
  key += std::string(has_bias ? " bias" : "") + (epilogue.sum ? " sum" : "") +
         (epilogue.activation.kind.empty() ? "" : " " + epilogue.activation.kind);
  key += " threads" + std::to_string(threads) + " onednn" + std::to_string(v->major) + "." + std::to_string(v->minor) +
         "." + std::to_string(v->patch) + "-" + v->hash + " isa" +
         std::to_string(static_cast<int>(dnnl::get_effective_cpu_isa()));
  return key;
}

DnnlConvPlan::DnnlConvPlan(const ConvGeometry& g, ConvLayout layout, const ConvEpilogue& epilogue, bool has_bias,
                           const float* constant_w, bool channels_last_io)
    : layout_(layout), has_bias_(has_bias), sum_(epilogue.sum), out_channels_(g.out_channels) {
  const Shape x_shape = Concat({g.batch, g.in_channels}, g.in_size);
  x_user_ = channels_last_io ? ChannelsLastDesc(x_shape) : PlainDesc(x_shape);
  y_user_ = channels_last_io ? ChannelsLastDesc(g.y_shape) : PlainDesc(g.y_shape);
  y_bytes_ = static_cast<size_t>(NumElements(g.y_shape)) * sizeof(float);
  w_user_ = UserWeightDesc(g);
  const memory::desc src_md = ActivationDesc(x_shape, layout), dst_md = ActivationDesc(g.y_shape, layout);
  const memory::desc w_md(WeightDims(g), memory::data_type::f32, memory::format_tag::any);
  const memory::desc b_md =
      has_bias ? memory::desc({g.out_channels}, memory::data_type::f32, memory::format_tag::a) : memory::desc();
  memory::dims dilations(g.dilations.begin(), g.dilations.end());
  for (auto& d : dilations) d -= 1;  // oneDNN counts the gaps

  dnnl::post_ops ops;
  const int prelu_index = AppendPostOps(epilogue, ops);
  if (prelu_index >= 0) {
    Shape slope_shape(g.y_shape.size(), 1);
    if (epilogue.slope_size > 1) slope_shape[1] = g.out_channels;
    slope_desc_ = PlainDesc(slope_shape);
    slope_arg_ = DNNL_ARG_ATTR_MULTIPLE_POST_OP(prelu_index) | DNNL_ARG_WEIGHTS;
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  // The plan owns its scratch memory: oneDNN's default library scratchpad is a
  // thread-local buffer shared by every primitive a thread runs.
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);

  memory::desc src_chosen, dst_chosen, w_chosen;
  const memory::dims strides(g.strides.begin(), g.strides.end());
  const memory::dims pad_l(g.pads_begin.begin(), g.pads_begin.end()), pad_r(g.pads_end.begin(), g.pads_end.end());
  if (g.transpose) {
    dnnl::deconvolution_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm::deconvolution_direct, src_md,
                                           w_md, b_md, dst_md, strides, dilations, pad_l, pad_r);
    dnnl::deconvolution_forward::primitive_desc pd(desc, attr, DnnlEngine());
    implementation_ = pd.impl_info_str();
    src_chosen = pd.src_desc(), dst_chosen = pd.dst_desc(), w_chosen = pd.weights_desc();
    if (pd.scratchpad_desc().get_size() > 0) scratchpad_ = memory(pd.scratchpad_desc(), DnnlEngine());
    primitive_ = dnnl::deconvolution_forward(pd);
  } else {
    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm::convolution_direct, src_md,
                                         w_md, b_md, dst_md, strides, dilations, pad_l, pad_r);
    dnnl::convolution_forward::primitive_desc pd = PreferredConvolution(desc, attr);
    implementation_ = pd.impl_info_str();
    src_chosen = pd.src_desc(), dst_chosen = pd.dst_desc(), w_chosen = pd.weights_desc();
    if (pd.scratchpad_desc().get_size() > 0) scratchpad_ = memory(pd.scratchpad_desc(), DnnlEngine());
    primitive_ = dnnl::convolution_forward(pd);
  }

  src_reorder_ = ReorderIfNeeded(x_user_, src_chosen);
  if (src_reorder_) src_internal_ = memory(src_chosen, DnnlEngine());
  dst_reorder_ = ReorderIfNeeded(dst_chosen, y_user_);
  if (dst_reorder_) {
    dst_internal_ = memory(dst_chosen, DnnlEngine());
    if (sum_) sum_reorder_ = ReorderIfNeeded(y_user_, dst_chosen);
  }
  w_reorder_ = ReorderIfNeeded(w_user_, w_chosen);
  if (w_reorder_) w_internal_ = memory(w_chosen, DnnlEngine());
  if (constant_w != nullptr && w_reorder_) {
    dnnl::stream& s = DnnlStream();
    memory w_user_mem = WrapMemory(w_user_, constant_w);
    w_reorder_->execute(s, w_user_mem, w_internal_);
    s.wait();
    weights_packed_ = true;
  }
  BindArguments();
}

void DnnlConvPlan::BindArguments() {
  x_mem_ = memory(x_user_, DnnlEngine(), DNNL_MEMORY_NONE);
  y_mem_ = memory(y_user_, DnnlEngine(), DNNL_MEMORY_NONE);
  sum_mem_ = memory(y_user_, DnnlEngine(), DNNL_MEMORY_NONE);
  w_mem_ = memory(w_user_, DnnlEngine(), DNNL_MEMORY_NONE);
  args_[DNNL_ARG_SRC] = src_reorder_ ? src_internal_ : x_mem_;
  args_[DNNL_ARG_DST] = dst_reorder_ ? dst_internal_ : y_mem_;
  args_[DNNL_ARG_WEIGHTS] = w_reorder_ ? w_internal_ : w_mem_;
  if (has_bias_) {
    bias_mem_ = memory(memory::desc({out_channels_}, memory::data_type::f32, memory::format_tag::a), DnnlEngine(),
                       DNNL_MEMORY_NONE);
    args_[DNNL_ARG_BIAS] = bias_mem_;
  }
  if (slope_arg_ != 0) {
    slope_mem_ = memory(slope_desc_, DnnlEngine(), DNNL_MEMORY_NONE);
    args_[slope_arg_] = slope_mem_;
  }
  if (scratchpad_) args_[DNNL_ARG_SCRATCHPAD] = scratchpad_;
}

void DnnlConvPlan::Execute(const ConvArgs& a) {
  dnnl::stream& s = DnnlStream();
  // The memory objects were made once (BindArguments); each run points them at its tensors.
  x_mem_.set_data_handle(const_cast<float*>(a.x));
  y_mem_.set_data_handle(a.y);
  if (src_reorder_) src_reorder_->execute(s, x_mem_, src_internal_);
  if (sum_) {
    if (sum_reorder_) {
      sum_mem_.set_data_handle(const_cast<float*>(a.sum));
      sum_reorder_->execute(s, sum_mem_, dst_internal_);
    } else if (a.y != a.sum) {
      std::memcpy(a.y, a.sum, y_bytes_);
    }
  }
  if (!w_reorder_ || !weights_packed_) w_mem_.set_data_handle(const_cast<float*>(a.w));
  if (w_reorder_ && !weights_packed_) w_reorder_->execute(s, w_mem_, w_internal_);
  if (has_bias_) bias_mem_.set_data_handle(const_cast<float*>(a.bias));
  if (slope_arg_ != 0) slope_mem_.set_data_handle(const_cast<float*>(a.slope));
  primitive_.execute(s, args_);
  if (dst_reorder_) dst_reorder_->execute(s, dst_internal_, y_mem_);
  s.wait();
}

}  // namespace facefuse::rt::cpu
