// Face alignment: the similarity transform that maps 5 detected keypoints onto
// a model's template, and the warp that cuts the aligned crop.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"

namespace facefuse::face {

// ArcFace's 112x112 template (eye, eye, nose, mouth corner, mouth corner; image-left first).
extern const std::array<Point2, 5> kArcFaceTemplate112;
// The other templates of the model-contract reference (section 2), in pixels
// of their native size: arcface_128 (ArcFace shifted 8 px right, at 128),
// arcface_112_v1 (InsightFace "frontal", at 112) and ffhq_512 (at 512).
extern const std::array<Point2, 5> kArcFaceTemplate128;
extern const std::array<Point2, 5> kArcFaceV1Template112;
extern const std::array<Point2, 5> kFfhqTemplate512;

// `tmpl` (given at `template_size` px) scaled to a side x side crop, as
// FaceFusion scales its normalised templates.
std::vector<Point2> ScaleTemplate(const std::array<Point2, 5>& tmpl, float template_size, int side);

// Least-squares similarity transform (rotation, uniform scale, translation;
// Umeyama 1991, as skimage's SimilarityTransform.estimate) mapping src onto
// dst. Returns a 2x3 CV_64F matrix. Errors: InvalidArgument when the point
// counts differ, are < 2, or src is degenerate (all points equal).
Result<cv::Mat> EstimateSimilarity(const std::vector<Point2>& src, const std::vector<Point2>& dst);

// The aligned crop: keypoints mapped onto `tmpl` scaled to size x size, bilinear,
// border 0. Errors as EstimateSimilarity; InvalidArgument for an empty image.
Result<cv::Mat> WarpAligned(const cv::Mat& bgr, const std::vector<Point2>& keypoints,
                            const std::array<Point2, 5>& tmpl, int template_size, int size, cv::Mat* matrix = nullptr);

}  // namespace facefuse::face
