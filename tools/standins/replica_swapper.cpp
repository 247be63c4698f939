// Swapper replicas: the encoder / identity-modulated residual blocks / decoder
// generator that inswapper, SimSwap and HyperSwap share.
//
//   ReflectPad 3, Conv 7x7, LeakyRelu
//   per level: `extra_convs` x (Conv 3x3, LeakyRelu), then Conv 3x3 stride 2, LeakyRelu
//   `style_blocks` x residual block at the bottleneck:
//       ReflectPad 1, Conv 3x3, instance norm (ReduceMean/Sub/Mul/Sqrt/Div),
//       h * (1 + Gemm_g(source)) + Gemm_b(source), Relu, and the same again, x + h
//   per level back up: Resize x2, Conv 3x3, LeakyRelu, `extra_convs` x (Conv 3x3, LeakyRelu)
//   ReflectPad 3, Conv 7x7 to RGB, Tanh, then to the model's output space.
//
// SimSwap has BatchNormalization after its encoder and decoder convolutions
// (folded into Conv at load time by the runtime).
#include <algorithm>
#include <cmath>
#include <vector>

#include "tools/standins/families.h"

namespace facefuse::standins {
namespace {

struct SwapperShape {
  int64_t first_width;                // after the 7x7 conv, at full resolution
  std::vector<int64_t> level_widths;  // after each stride-2 conv
  int extra_convs;                    // 3x3 convs per level, each side
  int style_blocks;
  bool batchnorm;
  bool linear_upsample;
};

// Sizes per model class; docs/standins.md lists the FLOPs they give.
SwapperShape ShapeFor(const ModelContract& c) {
  if (c.name.rfind("inswapper", 0) == 0) return {128, {256, 512, 1024}, 3, 6, false, false};
  if (c.name.rfind("hyperswap", 0) == 0) return {64, {128, 256, 512}, 1, 6, false, true};
  if (c.name == "simswap_256") return {64, {128, 256, 512}, 0, 9, true, true};
  return {32, {64, 128, 256, 512}, 0, 9, true, true};  // simswap_unofficial_512
}

int64_t Narrow(int64_t width, int divisor) { return std::max<int64_t>(4, width / divisor); }

class SwapperReplica {
 public:
  SwapperReplica(const SwapperShape& shape, int divisor, ModelBuilder& b) : shape_(shape), divisor_(divisor), b_(b) {}

  std::string ConvAct(const std::string& x, int64_t cin, int64_t cout, int64_t stride) {
    std::string y = b_.Conv(x, cin, cout, 3, stride, 1);
    return b_.LeakyRelu(MaybeBatchNorm(y, cout));
  }

  std::string MaybeBatchNorm(const std::string& x, int64_t c) {
    if (!shape_.batchnorm) return x;
    std::vector<float> ones(static_cast<size_t>(c), 1.0f), zeros(static_cast<size_t>(c), 0.0f);
    const std::string scale = b_.Floats("bn_scale", {c}, ones);
    const std::string bias = b_.Floats("bn_bias", {c}, zeros);
    const std::string mean = b_.Random("bn_mean", {c}, 0.01f);
    const std::string var = b_.Floats("bn_var", {c}, ones);
    return b_.Op("BatchNormalization", {x, scale, bias, mean, var}, {AttrFloat("epsilon", 1e-5f)});
  }

  // Instance norm then the identity's per-channel scale and shift.
  std::string AdaptiveNorm(const std::string& x, const std::string& source, int64_t c) {
    const std::string gamma = b_.Linear(source, 512, c, 0.5f, true);
    const std::string beta = b_.Linear(source, 512, c, 0.5f, true);
    const std::string n = b_.InstanceNormExpanded(x);
    return b_.Op("Add", {b_.Op("Mul", {n, b_.Op("Add", {gamma, b_.Scalar(1.0f)})}), beta});
  }

  std::string StyleBlock(const std::string& x, const std::string& source, int64_t c) {
    std::string h = b_.Conv(b_.ReflectPad(x, 1), c, c, 3, 1, 0);
    h = b_.Op("Relu", {AdaptiveNorm(h, source, c)});
    h = b_.Conv(b_.ReflectPad(h, 1), c, c, 3, 1, 0);
    h = AdaptiveNorm(h, source, c);
    return b_.Op("Add", {x, h});
  }

  std::string Build(const std::string& image, const std::string& source) {
    std::vector<int64_t> widths = {Narrow(shape_.first_width, divisor_)};
    for (int64_t w : shape_.level_widths) widths.push_back(Narrow(w, divisor_));
    std::string x = b_.Conv(b_.ReflectPad(image, 3), 3, widths[0], 7, 1, 0);
    x = b_.LeakyRelu(MaybeBatchNorm(x, widths[0]));
    for (size_t level = 0; level + 1 < widths.size(); ++level) {
      for (int i = 0; i < shape_.extra_convs; ++i) x = ConvAct(x, widths[level], widths[level], 1);
      x = ConvAct(x, widths[level], widths[level + 1], 2);
    }
    for (int i = 0; i < shape_.style_blocks; ++i) x = StyleBlock(x, source, widths.back());
    for (size_t level = widths.size() - 1; level > 0; --level) {
      x = ConvAct(b_.Upsample2x(x, shape_.linear_upsample), widths[level], widths[level - 1], 1);
      for (int i = 0; i < shape_.extra_convs; ++i) x = ConvAct(x, widths[level - 1], widths[level - 1], 1);
    }
    return b_.Op("Tanh", {b_.Conv(b_.ReflectPad(x, 3), widths[0], 3, 7, 1, 0)});
  }

 private:
  SwapperShape shape_;
  int divisor_;
  ModelBuilder& b_;
};

}  // namespace

Result<std::string> BuildSwapperReplicaBody(const ModelContract& c, const StandInSpec& spec, const BodyInputs& in,
                                            ModelBuilder& b) {
  if (in.source.empty()) return Internal("a swapper without a source input");
  SwapperReplica net(ShapeFor(c), spec.width_divisor, b);
  const std::string rgb = net.Build(in.image, in.source);  // in [-1,1]
  if (c.space == PixelSpace::kSigned) return rgb;           // consumer: y*0.5+0.5
  // Consumer clips to [0,1]: (t+1)/2, then Clip as inswapper's graph does.
  const std::string unit = b.Op("Mul", {b.Op("Add", {rgb, b.Scalar(1.0f)}), b.Scalar(0.5f)});
  return b.Op("Clip", {unit, b.Scalar(0.0f), b.Scalar(1.0f)});
}

}  // namespace facefuse::standins
