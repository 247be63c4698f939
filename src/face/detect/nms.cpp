#include <algorithm>

#include "facefuse/face.h"

namespace facefuse {

float IoU(const DetectedFace& a, const DetectedFace& b) {
  float ix = std::max(0.f, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
  float iy = std::max(0.f, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
  float inter = ix * iy;
  float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

std::vector<DetectedFace> NonMaxSuppression(std::vector<DetectedFace> faces, float iou_threshold) {
  std::stable_sort(faces.begin(), faces.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  std::vector<DetectedFace> kept;
  for (auto& f : faces) {
    bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const auto& k) { return IoU(k, f) > iou_threshold; });
    if (!overlaps) kept.push_back(std::move(f));
  }
  return kept;
}

}  // namespace facefuse
