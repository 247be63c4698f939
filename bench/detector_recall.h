// The measuring set of the detector-recall bench (bench/detector_recall.cpp)
// and of the detection test (tests/unit/test_face_detection.cpp): recall of a
// detector against reference faces at IoU >= 0.5, face-free crops of the
// fixture photos, synthetic face-free textures, and a tiled photo whose faces
// are small. Header-only; all functions are pure and thread-safe.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "facefuse/face.h"

namespace facefuse::bench {

// The IoU at which a found face counts as a reference face (the usual
// detection-benchmark rule).
constexpr float kMatchIoU = 0.5f;

// How many `reference` faces a `found` face matches at IoU >= min_iou, one
// found face per reference face (greedy, best-overlapping pairs first).
inline size_t MatchedFaces(const std::vector<DetectedFace>& reference, const std::vector<DetectedFace>& found,
                           float min_iou = kMatchIoU) {
  struct Pair {
    float iou;
    size_t r, f;
  };
  std::vector<Pair> pairs;
  for (size_t r = 0; r < reference.size(); ++r)
    for (size_t f = 0; f < found.size(); ++f)
      if (float iou = IoU(reference[r], found[f]); iou >= min_iou) pairs.push_back({iou, r, f});
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
  std::vector<bool> used_r(reference.size()), used_f(found.size());
  size_t matched = 0;
  for (const Pair& p : pairs) {
    if (used_r[p.r] || used_f[p.f]) continue;
    used_r[p.r] = used_f[p.f] = true;
    ++matched;
  }
  return matched;
}

// Face-free crops of a photo of `size`: the strips left of, right of, above
// and below every face in `faces` (the union of all reference detectors'
// faces), each face first grown by `margin` times its width/height on every
// side. Strips are full-height (left/right) or full-width (above/below);
// strips narrower than `min_side` are dropped. Empty when the faces leave no
// such strip.
inline std::vector<cv::Rect> FaceFreeStrips(cv::Size size, const std::vector<DetectedFace>& faces,
                                            float margin = 0.5f, int min_side = 96) {
  if (faces.empty()) return {};
  float x1 = static_cast<float>(size.width), y1 = static_cast<float>(size.height), x2 = 0, y2 = 0;
  for (const DetectedFace& f : faces) {
    x1 = std::min(x1, f.x1 - margin * f.width());
    y1 = std::min(y1, f.y1 - margin * f.height());
    x2 = std::max(x2, f.x2 + margin * f.width());
    y2 = std::max(y2, f.y2 + margin * f.height());
  }
  const int left = std::max(0, static_cast<int>(x1)), top = std::max(0, static_cast<int>(y1));
  const int right = std::min(size.width, static_cast<int>(x2) + 1), bottom = std::min(size.height, static_cast<int>(y2) + 1);
  std::vector<cv::Rect> strips = {{0, 0, left, size.height},
                                  {right, 0, size.width - right, size.height},
                                  {0, 0, size.width, top},
                                  {0, bottom, size.width, size.height - bottom}};
  std::erase_if(strips, [&](const cv::Rect& r) { return r.width < min_side || r.height < min_side; });
  return strips;
}

// Synthetic face-free images (8-bit BGR, side x side), the same on every
// run: uniform noise, noise blurred into blobs at three scales, a
// checkerboard, a colour gradient, and random ellipses (round shapes at
// face-like sizes).
inline std::vector<std::pair<std::string, cv::Mat>> SyntheticTextures(int side = 512) {
  std::vector<std::pair<std::string, cv::Mat>> out;
  cv::RNG rng(20240613);
  cv::Mat noise(side, side, CV_8UC3);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  out.emplace_back("uniform noise", noise);
  for (int sigma : {2, 8, 24}) {
    cv::Mat blobs;
    cv::GaussianBlur(noise, blobs, cv::Size(), sigma);
    cv::normalize(blobs, blobs, 0, 255, cv::NORM_MINMAX);
    out.emplace_back("blurred noise sigma " + std::to_string(sigma), blobs);
  }
  cv::Mat checker(side, side, CV_8UC3);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      checker.at<cv::Vec3b>(y, x) = ((x / 32 + y / 32) % 2) ? cv::Vec3b(230, 230, 230) : cv::Vec3b(20, 20, 20);
  out.emplace_back("checkerboard", checker);
  cv::Mat gradient(side, side, CV_8UC3);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      gradient.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(255 * x / side), static_cast<uchar>(255 * y / side),
                                               static_cast<uchar>(255 - 255 * (x + y) / (2 * side)));
  out.emplace_back("colour gradient", gradient);
  cv::Mat ellipses(side, side, CV_8UC3, cv::Scalar(128, 128, 128));
  for (int i = 0; i < 40; ++i) {
    const cv::Point centre(rng.uniform(0, side), rng.uniform(0, side));
    const cv::Size axes(rng.uniform(8, side / 6), rng.uniform(8, side / 6));
    cv::ellipse(ellipses, centre, axes, rng.uniform(0, 180), 0, 360,
                cv::Scalar(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256)), cv::FILLED, cv::LINE_AA);
  }
  out.emplace_back("ellipses", ellipses);
  return out;
}

// `image` repeated n x n times: once letterboxed to the detector input, each
// face is n times smaller than in `image` alone.
inline cv::Mat Tiled(const cv::Mat& image, int n) {
  cv::Mat tiled;
  cv::repeat(image, n, n, tiled);
  return tiled;
}

}  // namespace facefuse::bench
