// facefuse: faces as the analysis pipeline reports them.
#pragma once

#include <vector>

namespace facefuse {

struct Point2 {
  float x = 0;
  float y = 0;
};

// One detected face in image pixels. Keypoints follow the ArcFace template
// order, image-left first: eye, eye, nose tip, mouth corner, mouth corner.
struct DetectedFace {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;  // box corners
  float score = 0;                       // detector confidence in [0, 1]
  std::vector<Point2> keypoints;         // 5 points
  // The face's dense landmarks in image pixels when a landmarker ran on it
  // (68 points, or Face Mesh's 468), in the model's point order; else empty.
  std::vector<Point2> landmarks;

  float width() const { return x2 - x1; }
  float height() const { return y2 - y1; }
  float area() const { return width() > 0 && height() > 0 ? width() * height() : 0; }
};

// Intersection over union of two boxes (0 when either is empty).
float IoU(const DetectedFace& a, const DetectedFace& b);

// Greedy non-maximum suppression: sorts by score (descending) and drops every
// face overlapping a kept one by more than iou_threshold.
std::vector<DetectedFace> NonMaxSuppression(std::vector<DetectedFace> faces, float iou_threshold);

}  // namespace facefuse
