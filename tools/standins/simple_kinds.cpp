// The identity and source-copy stand-ins: tiny graphs whose output is a known
// function of their inputs, so tests can prove the pipeline's binding and
// de-normalisation end to end.
#include <vector>

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

}  // namespace facefuse::standins
