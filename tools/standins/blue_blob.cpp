// The blue-blob stand-in of the yoloface_8n detector, and the image it finds a
// face in. The graph reads the contract's input (BGR, x/255, letterboxed at
// the top-left of a 640 canvas) and answers one face: the box of the
// saturated blue pixels, in canvas pixels, with keypoints at fixed fractions
// of it, at anchor 0 of the [1,20,8400] output; every other anchor scores 0.
#include <opencv2/imgproc.hpp>

#include "face/align.h"
#include "tools/standins/families.h"

namespace facefuse::standins {
namespace {

constexpr float kScore = 0.9f;

}  // namespace

const std::array<std::array<float, 2>, 5>& BlueBlobKeypointFractions() {
  static const std::array<std::array<float, 2>, 5> kFractions = [] {
    std::array<std::array<float, 2>, 5> f{};
    for (size_t k = 0; k < 5; ++k)
      f[k] = {face::kArcFaceTemplate112[k].x / 112.0f, face::kArcFaceTemplate112[k].y / 112.0f};
    return f;
  }();
  return kFractions;
}

Result<std::string> BuildBlueBlobBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b) {
  if (c.family != ModelFamily::kDetector || c.output_dims.size() != 3 || c.output_dims[1] != 20)
    return Unsupported("blue-blob is the yoloface detector's stand-in ([1,20,N] output)");
  const int64_t n = c.size;
  auto channel = [&](int64_t k) {
    return b.Op("Slice", {in.image, b.Int64s("starts", {k}), b.Int64s("ends", {k + 1}), b.Int64s("axes", {1})});
  };
  // 1 where the pixel is saturated blue: 2 * relu(B - G - R - 0.5) on x/255 (BGR 255,0,0 gives 1; an RGB-fed
  // or unscaled input gives 0 or hundreds).
  const std::string excess = b.Op("Sub", {b.Op("Sub", {b.Op("Sub", {channel(0), channel(1)}), channel(2)}),
                                          b.Scalar(0.5f)});
  const std::string blue = b.Op("Mul", {b.Op("Relu", {excess}), b.Scalar(2.0f)});
  auto profile = [&](int64_t kept_axis) {  // sum over every axis but `kept_axis` (2: rows, 3: columns) -> [1,n]
    const std::string sum = b.Op("ReduceSum", {blue, b.Int64s("axes", {0, 1, kept_axis == 2 ? 3 : 2})},
                                 {AttrInt("keepdims", 0)});
    return b.Op("Reshape", {sum, b.Int64s("shape", {1, n})});
  };
  const std::string columns = profile(3), rows = profile(2);
  std::vector<float> centres(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) centres[static_cast<size_t>(i)] = static_cast<float>(i) + 0.5f;
  const std::string centre = b.Floats("pixel_centres", {n, 1}, centres);
  const std::string mass = b.Op("ReduceSum", {columns, b.Int64s("axes", {1})}, {AttrInt("keepdims", 1)});
  const std::string safe = b.Op("Add", {mass, b.Scalar(1e-6f)});
  const std::string cx = b.Op("Div", {b.Op("MatMul", {columns, centre}), safe});
  const std::string cy = b.Op("Div", {b.Op("MatMul", {rows, centre}), safe});
  const std::string side = b.Op("Sqrt", {mass});
  const std::string score = b.Op("Mul", {b.Op("Min", {mass, b.Scalar(1.0f)}), b.Scalar(kScore)});
  const std::string one = b.Op("Add", {b.Op("Mul", {mass, b.Scalar(0.0f)}), b.Scalar(1.0f)});
  const std::string features = b.Op("Concat", {cx, cy, side, score, one}, {AttrInt("axis", 1)});  // [1,5]
  // [5,20]: channel j = sum_i features[i] * m[i][j].
  std::vector<float> m(5 * 20, 0.0f);
  auto set = [&](int row, int col, float v) { m[static_cast<size_t>(row * 20 + col)] = v; };
  set(0, 0, 1);  // cx
  set(1, 1, 1);  // cy
  set(2, 2, 1);  // w = side
  set(2, 3, 1);  // h = side
  set(3, 4, 1);  // score
  for (int k = 0; k < 5; ++k) {
    const auto [u, v] = BlueBlobKeypointFractions()[static_cast<size_t>(k)];
    set(0, 5 + 3 * k, 1), set(2, 5 + 3 * k, u - 0.5f);  // x = cx + side * (u - 1/2)
    set(1, 6 + 3 * k, 1), set(2, 6 + 3 * k, v - 0.5f);  // y = cy + side * (v - 1/2)
    set(4, 7 + 3 * k, 1);                               // visibility
  }
  const std::string face = b.Op("MatMul", {features, b.Floats("decode", {5, 20}, m)});
  const std::string column = b.Op("Reshape", {face, b.Int64s("shape", {1, 20, 1})});
  return b.Op("Pad", {column, b.Int64s("pads", {0, 0, 0, 0, 0, c.output_dims[2] - 1})});
}

Result<cv::Mat> BlueBlobImage(const cv::Mat& base, const BlueSquare& square) {
  cv::Mat image;
  if (base.empty()) {
    image.create(720, 960, CV_8UC3);
    for (int y = 0; y < image.rows; ++y)
      for (int x = 0; x < image.cols; ++x)
        image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>(70 + 120 * x / image.cols),
                                              static_cast<uint8_t>(70 + 120 * y / image.rows),
                                              static_cast<uint8_t>(190 - 120 * x / image.cols));
  } else {
    if (base.type() != CV_8UC3) return InvalidArgument("the base image of a blue-blob image must be 8-bit BGR");
    image = base.clone();
    // Tone down what the detector would take for saturated blue: keep B - G - R below 128.
    for (int y = 0; y < image.rows; ++y)
      for (auto* p = image.ptr<cv::Vec3b>(y), *end = p + image.cols; p != end; ++p)
        if ((*p)[0] - (*p)[1] - (*p)[2] >= 100) (*p)[0] = static_cast<uint8_t>((*p)[1] + (*p)[2] + 99);
  }
  const cv::Rect box(square.x, square.y, square.side, square.side);
  if (square.side < 1 || (box & cv::Rect(0, 0, image.cols, image.rows)) != box)
    return InvalidArgument("the blue square (" + std::to_string(square.x) + ", " + std::to_string(square.y) +
                           ", side " + std::to_string(square.side) + ") does not fit a " +
                           std::to_string(image.cols) + "x" + std::to_string(image.rows) + " image");
  image(box).setTo(cv::Scalar(255, 0, 0));
  return image;
}

}  // namespace facefuse::standins
