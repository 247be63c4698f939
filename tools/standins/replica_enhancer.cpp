// Enhancer replicas: a U-Net encoder whose features condition a StyleGAN2-like
// decoder (GFPGAN, GPEN), or an encoder, transformer and codebook lookup in
// front of the same decoder (CodeFormer).
//
//   encoder: Conv 1x1, LeakyRelu; per halving: ResBlock(Conv 3x3, LeakyRelu,
//            Resize 0.5, Conv 3x3, LeakyRelu) + skip (Resize 0.5, Conv 1x1)
//   latent:  GFPGAN/GPEN Flatten + Gemm at 4x4; CodeFormer GlobalAveragePool + Gemm
//   CodeFormer: 16x16 tokens through pre-norm transformer layers (LayerNormalization,
//            MatMul, Softmax, Erf GELU), MatMul logits, ArgMax, Gather from a codebook
//   decoder per doubling: Resize x2, modulated Conv 3x3 (x * style, Conv,
//            demodulation by 1/sqrt(Gemm(style^2, sum W^2))), LeakyRelu,
//            feature fusion x + w * (x * scale + shift) from the encoder feature
//            at this size (w = CodeFormer's `weight`, 1 elsewhere),
//            modulated Conv 3x3, LeakyRelu; ToRGB (modulated 1x1) + upsampled RGB skip.
#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "tools/standins/families.h"

namespace facefuse::standins {
namespace {

constexpr int64_t kStyleDim = 512;

struct EnhancerShape {
  std::map<int64_t, int64_t> encoder_widths;  // by resolution
  std::map<int64_t, int64_t> decoder_widths;
  int64_t bottleneck;                         // 4 (StyleGAN2 constant) or 16 (CodeFormer tokens)
  int transformer_layers;
  int64_t codebook_size;
};

EnhancerShape ShapeFor(const ModelContract& c) {
  // GFPGAN v1.4 / GPEN channel tables (channel multiplier 2 decoder, narrower U-Net).
  const std::map<int64_t, int64_t> stylegan = {{4, 512}, {8, 512}, {16, 512}, {32, 512},
                                               {64, 512}, {128, 256}, {256, 128}, {512, 64}};
  const std::map<int64_t, int64_t> unet = {{4, 512}, {8, 512}, {16, 512}, {32, 512},
                                           {64, 256}, {128, 128}, {256, 64}, {512, 32}};
  if (c.name == "codeformer") {
    const std::map<int64_t, int64_t> vqgan = {{16, 512}, {32, 256}, {64, 256}, {128, 128}, {256, 128}, {512, 64}};
    return {vqgan, vqgan, 16, 9, 1024};
  }
  return {unet, stylegan, 4, 0, 0};
}

class EnhancerReplica {
 public:
  EnhancerReplica(const EnhancerShape& shape, int divisor, int64_t size, ModelBuilder& b)
      : shape_(shape), divisor_(divisor), size_(size), b_(b) {}

  int64_t Enc(int64_t r) const { return std::max<int64_t>(4, shape_.encoder_widths.at(r) / divisor_); }
  int64_t Dec(int64_t r) const { return std::max<int64_t>(4, shape_.decoder_widths.at(r) / divisor_); }
  int64_t Style() const { return std::max<int64_t>(8, kStyleDim / divisor_); }

  std::string ResDown(const std::string& x, int64_t cin, int64_t cout) {
    std::string h = b_.LeakyRelu(b_.Conv(x, cin, cin, 3, 1, 1));
    h = b_.LeakyRelu(b_.Conv(b_.Downsample2x(h), cin, cout, 3, 1, 1));
    const std::string skip = b_.Conv(b_.Downsample2x(x), cin, cout, 1, 1, 0);
    return b_.Op("Add", {h, skip});
  }

  // StyleGAN2 modulated convolution for batch 1, in its non-fused form.
  std::string ModConv(const std::string& x, const std::string& w, int64_t cin, int64_t cout, int64_t k, bool demod) {
    const std::string style = b_.Op("Add", {b_.Linear(w, Style(), cin, 1.0f, false), b_.Scalar(1.0f)});
    const std::string modulated = b_.Op("Mul", {x, b_.Op("Reshape", {style, b_.Int64s("shape", {1, cin, 1, 1})})});
    const std::string weight = b_.Random("modconv_w", {cout, cin, k, k}, 1.0f / std::sqrt(float(cin * k * k)));
    std::string y = b_.Op("Conv", {modulated, weight},
                          {AttrInts("kernel_shape", {k, k}), AttrInts("pads", {k / 2, k / 2, k / 2, k / 2})});
    if (demod) {
      // sum over the kernel of W^2 as [cin, cout]: constant, folded at load time.
      const std::string w2 = b_.Op("ReduceSum", {b_.Op("Mul", {weight, weight}), b_.Int64s("axes", {2, 3})},
                                   {AttrInt("keepdims", 0)});
      const std::string w2t = b_.Op("Transpose", {w2}, {AttrInts("perm", {1, 0})});
      const std::string energy = b_.Op("Gemm", {b_.Op("Mul", {style, style}), w2t});
      const std::string d = b_.Op("Reciprocal", {b_.Op("Sqrt", {b_.Op("Add", {energy, b_.Scalar(1e-8f)})})});
      y = b_.Op("Mul", {y, b_.Op("Reshape", {d, b_.Int64s("shape", {1, cout, 1, 1})})});
    }
    return b_.Op("Add", {y, b_.Random("modconv_b", {1, cout, 1, 1}, 0.01f)});
  }

  std::string Transformer(const std::string& x, int64_t c, int64_t r) {
    const int64_t tokens = r * r, heads = 8, head_dim = std::max<int64_t>(1, c / heads);
    std::string t = b_.Op("Transpose", {b_.Op("Reshape", {x, b_.Int64s("shape", {1, c, tokens})})},
                          {AttrInts("perm", {0, 2, 1})});  // [1, tokens, c]
    auto norm = [&](const std::string& v) {
      std::vector<float> ones(static_cast<size_t>(c), 1.0f), zeros(static_cast<size_t>(c), 0.0f);
      return b_.Op("LayerNormalization", {v, b_.Floats("ln_scale", {c}, ones), b_.Floats("ln_bias", {c}, zeros)},
                   {AttrInt("axis", -1)});
    };
    auto dense = [&](const std::string& v, int64_t in, int64_t out) {
      return b_.Op("MatMul", {v, b_.Random("dense_w", {in, out}, 1.0f / std::sqrt(float(in)))});
    };
    auto split_heads = [&](const std::string& v) {
      return b_.Op("Transpose", {b_.Op("Reshape", {v, b_.Int64s("shape", {1, tokens, heads, head_dim})})},
                   {AttrInts("perm", {0, 2, 1, 3})});  // [1, heads, tokens, head_dim]
    };
    for (int layer = 0; layer < shape_.transformer_layers; ++layer) {
      const std::string n = norm(t);
      const std::string q = split_heads(dense(n, c, heads * head_dim));
      const std::string k = b_.Op("Transpose", {split_heads(dense(n, c, heads * head_dim))}, {AttrInts("perm", {0, 1, 3, 2})});
      const std::string v = split_heads(dense(n, c, heads * head_dim));
      const std::string scores = b_.Op("Mul", {b_.Op("MatMul", {q, k}), b_.Scalar(1.0f / std::sqrt(float(head_dim)))});
      const std::string attn = b_.Op("MatMul", {b_.Op("Softmax", {scores}, {AttrInt("axis", -1)}), v});
      const std::string merged = b_.Op("Reshape", {b_.Op("Transpose", {attn}, {AttrInts("perm", {0, 2, 1, 3})}),
                                                   b_.Int64s("shape", {1, tokens, heads * head_dim})});
      t = b_.Op("Add", {t, dense(merged, heads * head_dim, c)});
      const std::string h = dense(norm(t), c, 2 * c);
      const std::string erf = b_.Op("Erf", {b_.Op("Mul", {h, b_.Scalar(float(M_SQRT1_2))})});
      const std::string gelu = b_.Op("Mul", {b_.Op("Mul", {h, b_.Scalar(0.5f)}), b_.Op("Add", {erf, b_.Scalar(1.0f)})});
      t = b_.Op("Add", {t, dense(gelu, 2 * c, c)});
    }
    // Codebook lookup: the nearest code by a linear classifier, as CodeFormer predicts code indices.
    const std::string logits = dense(norm(t), c, shape_.codebook_size);
    const std::string index = b_.Op("ArgMax", {logits}, {AttrInt("axis", -1), AttrInt("keepdims", 0)});
    const std::string codes = b_.Op("Gather", {b_.Random("codebook", {shape_.codebook_size, c}, 1.0f), index});
    return b_.Op("Reshape", {b_.Op("Transpose", {codes}, {AttrInts("perm", {0, 2, 1})}),
                             b_.Int64s("shape", {1, c, r, r})});
  }

  std::string Build(const std::string& image, const std::string& fusion_weight) {
    std::map<int64_t, std::string> features;  // encoder output by resolution
    std::string x = b_.LeakyRelu(b_.Conv(image, 3, Enc(size_), 1, 1, 0));
    features[size_] = x;
    for (int64_t r = size_; r > shape_.bottleneck; r /= 2) {
      x = ResDown(x, Enc(r), Enc(r / 2));
      features[r / 2] = x;
    }
    const int64_t r0 = shape_.bottleneck;
    std::string w;
    if (shape_.transformer_layers == 0) {
      x = b_.LeakyRelu(b_.Conv(x, Enc(r0), Enc(r0), 3, 1, 1));
      w = b_.Linear(b_.Op("Flatten", {x}), Enc(r0) * r0 * r0, Style(), 1.0f, false);
      x = b_.Random("const_input", {1, Dec(r0), r0, r0}, 1.0f);
    } else {
      w = b_.Linear(b_.Op("Flatten", {b_.Op("GlobalAveragePool", {x})}), Enc(r0), Style(), 1.0f, false);
      x = Transformer(x, Enc(r0), r0);
    }
    x = b_.LeakyRelu(ModConv(x, w, Dec(r0), Dec(r0), 3, true));
    std::string rgb = ModConv(x, w, Dec(r0), 3, 1, false);
    for (int64_t r = 2 * r0; r <= size_; r *= 2) {
      x = b_.LeakyRelu(ModConv(b_.Upsample2x(x, true), w, Dec(r / 2), Dec(r), 3, true));
      const std::string scale = b_.Conv(features[r], Enc(r), Dec(r), 3, 1, 1, 0.1f);
      const std::string shift = b_.Conv(features[r], Enc(r), Dec(r), 3, 1, 1, 0.1f);
      std::string fused = b_.Op("Add", {b_.Op("Mul", {x, scale}), shift});
      if (!fusion_weight.empty()) fused = b_.Op("Mul", {fused, fusion_weight});
      x = b_.Op("Add", {x, fused});
      x = b_.LeakyRelu(ModConv(x, w, Dec(r), Dec(r), 3, true));
      rgb = b_.Op("Add", {ModConv(x, w, Dec(r), 3, 1, false), b_.Upsample2x(rgb, true)});
    }
    return rgb;
  }

 private:
  EnhancerShape shape_;
  int divisor_;
  int64_t size_;
  ModelBuilder& b_;
};

}  // namespace

Result<std::string> BuildEnhancerReplicaBody(const ModelContract& c, const StandInSpec& spec, const BodyInputs& in,
                                             ModelBuilder& b) {
  EnhancerReplica net(ShapeFor(c), spec.width_divisor, c.size, b);
  return net.Build(in.image, in.weight);
}

}  // namespace facefuse::standins
