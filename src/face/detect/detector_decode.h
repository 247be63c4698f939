// Output decoders of the detector families whose raw outputs are tested
// without their model: each turns the network's output tensors into faces in
// network-input pixels (before undoing the letterbox), with no NMS.
#pragma once

#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse::face {

// RetinaFace (biubug6) for an input of width x height: `loc` [1,P,4], `conf`
// [1,P,2] (softmax applied; column 1 = face) and `landms` [1,P,10], P the
// prior count for steps 8/16/32 with min sizes {16,32}/{64,128}/{256,512}
// (16800 at 640x640). Keeps score >= score_threshold; variances 0.1 / 0.2.
// Errors: InvalidArgument for non-float tensors or sizes that do not match P.
Result<std::vector<DetectedFace>> DecodeRetinaFace(const Tensor& loc, const Tensor& conf, const Tensor& landms,
                                                   int width, int height, float score_threshold);

// The RetinaFace prior count for an input of width x height.
int64_t RetinaFacePriorCount(int width, int height);

// YOLOv8-face (FaceFusion yoloface_8n): `output` [1,20,N] or [20,N], channel
// major: cx, cy, w, h (input pixels), score, then 5 x (x, y, visibility).
// Keeps score >= score_threshold; visibility is ignored.
// Errors: InvalidArgument for a non-float tensor or another layout.
Result<std::vector<DetectedFace>> DecodeYoloFace(const Tensor& output, float score_threshold);

}  // namespace facefuse::face
