// The identity, source-copy and tint stand-ins (and the converters' replica):
// tiny graphs whose output is a known function of their inputs, so tests can
// prove the pipeline's binding, de-normalisation and paste-back end to end.
#include <algorithm>
#include <vector>

#include "face/gate/content_classifier.h"
#include "tools/standins/families.h"

namespace facefuse::standins {
namespace {

// ImageNet statistics used by simswap_256's input normalisation.
const std::vector<float> kImageNetMean = {0.485f, 0.456f, 0.406f};
const std::vector<float> kImageNetStd = {0.229f, 0.224f, 0.225f};

// The input image taken back to the model's output space, so that the
// consumer's de-normalisation yields the original crop.
std::string ImageInOutputSpace(const ModelContract& c, const std::string& image, ModelBuilder& b) {
  if (c.space != PixelSpace::kImageNetUnit) return image;  // x/255 -> clip, and (x-0.5)/0.5 -> y*0.5+0.5
  const std::string std_dev = b.Floats("imagenet_std", {1, 3, 1, 1}, kImageNetStd);
  const std::string mean = b.Floats("imagenet_mean", {1, 3, 1, 1}, kImageNetMean);
  return b.Op("Add", {b.Op("Mul", {image, std_dev}), mean});
}

std::string ConsumeExtraInputs(const BodyInputs& in, std::string y, ModelBuilder& b) {
  if (!in.source.empty()) y = b.ConsumeAsZero(y, in.source);
  if (!in.weight.empty()) y = b.ConsumeAsZero(y, in.weight);
  return y;
}

// A [0,1]-space value in the model's output space (signed outputs are y*0.5+0.5).
float UnitToOutputScale(const ModelContract& c, float unit) { return c.space == PixelSpace::kSigned ? 2 * unit : unit; }

}  // namespace

Result<std::string> BuildIdentityBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b) {
  return ConsumeExtraInputs(in, ImageInOutputSpace(c, in.image, b), b);
}

Result<std::string> BuildSourceCopyBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b) {
  if (in.source.empty())
    return Unsupported("source-copy needs a source input; " + c.name + " has none (enhancers take only an image)");
  // rgb = sigmoid(16 * source[0..2]) in [0,1].
  const std::string first3 = b.Op("Slice", {in.source, b.Int64s("starts", {0}), b.Int64s("ends", {3}),
                                            b.Int64s("axes", {1})});
  std::string rgb = b.Op("Sigmoid", {b.Op("Mul", {first3, b.Scalar(16.0f)})});
  if (c.space == PixelSpace::kSigned) rgb = b.Op("Sub", {b.Op("Mul", {rgb, b.Scalar(2.0f)}), b.Scalar(1.0f)});
  const std::string pixel = b.Op("Reshape", {rgb, b.Int64s("shape", {1, 3, 1, 1})});
  const std::string image = b.Op("Expand", {pixel, b.Int64s("shape", {1, 3, c.size, c.size})});
  return ConsumeExtraInputs(BodyInputs{.image = "", .source = "", .weight = in.weight}, b.ConsumeAsZero(image, in.image),
                            b);
}

Result<std::string> BuildTintBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b) {
  const float k = kTintLevels / 255.0f;
  switch (c.family) {
    case ModelFamily::kSwapper: {
      // shift (R, G, B) = k * (source[0]^2, |source|^2, 0), added in output space.
      const std::string squares = b.Op("Mul", {in.source, in.source});
      const std::string norm2 = b.Op("ReduceSum", {squares}, {AttrInt("keepdims", 1)});
      const std::string first = b.Op("Slice", {squares, b.Int64s("starts", {0}), b.Int64s("ends", {1}),
                                               b.Int64s("axes", {1})});
      const std::string zero = b.Op("Mul", {norm2, b.Scalar(0.0f)});
      const std::string rgb = b.Op("Concat", {first, norm2, zero}, {AttrInt("axis", 1)});
      const std::string shift = b.Op("Reshape", {b.Op("Mul", {rgb, b.Scalar(UnitToOutputScale(c, k))}),
                                                 b.Int64s("shape", {1, 3, 1, 1})});
      return b.Op("Add", {ImageInOutputSpace(c, in.image, b), shift});
    }
    case ModelFamily::kEnhancer: {
      // B - k; codeformer: B - 2 * k * weight.
      std::string shift = b.Floats("tint", {1, 3, 1, 1}, {0.0f, 0.0f, -UnitToOutputScale(c, k)});
      if (!in.weight.empty()) shift = b.Op("Mul", {shift, b.Op("Mul", {in.weight, b.Scalar(2.0f)})});
      return b.Op("Add", {ImageInOutputSpace(c, in.image, b), shift});
    }
    case ModelFamily::kConverter: {
      std::vector<float> e0(static_cast<size_t>(c.size), 0.0f);
      e0[0] = 1.0f;
      return b.ConsumeAsZero(b.Floats("e0", {1, c.size}, e0), in.image);
    }
    case ModelFamily::kDetector:
    case ModelFamily::kClassifier: break;
  }
  return Unsupported("no tint stand-in for a detector or a classifier");
}

Result<std::string> BuildConverterReplicaBody(const ModelContract& c, const StandInSpec& spec, const BodyInputs& in,
                                              ModelBuilder& b) {
  const int64_t hidden = std::max<int64_t>(8, 1024 / spec.width_divisor);
  return b.Linear(b.LeakyRelu(b.Linear(in.image, c.size, hidden, 1.0f, false)), hidden, c.size, 1.0f, false);
}

Result<std::string> BuildRedFlagBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b) {
  if (c.family != ModelFamily::kClassifier) return Unsupported("red-flag is the content classifier's stand-in");
  // Channel means [1,3] of the NHWC input (B, G, R less the contract's means), then logits (0, unsafe) by Gemm:
  // unsafe = slope * ((R + mean_R) - (G + mean_G) - offset), and softmax makes them (safe, not safe).
  const face::ContentClassifierContract& gate = face::OpenNsfwContract();
  const std::string means = b.Op("ReduceMean", {in.image}, {AttrInts("axes", {1, 2}), AttrInt("keepdims", 0)});
  const float k = kRedFlagSlope;
  const std::string weights = b.Floats("red_flag_w", {3, 2}, {0.f, 0.f, 0.f, -k, 0.f, k});
  const float bias = k * (gate.bgr_means[2] - gate.bgr_means[1] - kRedFlagOffset);
  const std::string offsets = b.Floats("red_flag_b", {2}, {0.f, bias});
  const std::string logits = b.Op("Gemm", {means, weights, offsets});
  return b.Op("Softmax", {logits}, {AttrInt("axis", 1)});
}

}  // namespace facefuse::standins
