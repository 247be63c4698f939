// A video as the source of a swap: the frame that shows its face best (sharp,
// frontal, not tiny) stands in for a source photo.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"
#include "pipeline/face_swap_engine.h"

namespace facefuse::pipeline {

// How well `face`, found in the BGR image `frame`, would serve as a source:
// sharpness x frontality x size, >= 0, higher is better; comparable between
// frames of one clip. Sharpness is the variance of the Laplacian of the face
// box (grey, resized to a fixed side, so a big face does not win on size
// alone); frontality comes from the 5 keypoints (left eye, right eye, nose,
// mouth corners): 1 with the nose tip midway between the eyes and the eye
// line level, falling to 0 as the nose reaches an eye (a profile) or the eye
// line turns upright; fewer than 3 keypoints leave it at 1. The size factor
// is 1 for a face box at least 64 pixels on its short side and falls linearly
// below. 0 for an empty or non-BGR frame, or a box outside the frame. Pure.
double SourceFrameScore(const cv::Mat& frame, const DetectedFace& face);

// The frame of `video` whose largest face scores best (SourceFrameScore)
// among up to `samples` frames spread evenly over the clip (every frame of a
// clip with no more frames than that; the first `samples` frames when the
// clip's length is unknown). Faces are found with the engine's detector (and
// landmarker), without selection. Memory holds a frame or two whatever the
// clip's length. Errors: InvalidArgument for samples < 1; those of
// media::VideoReader::Open and Read; NotFound "no face found in any of the N
// frames sampled from VIDEO"; the engine's runtime errors. Uses `engine` from
// the calling thread only.
Result<cv::Mat> BestSourceFrame(FaceSwapEngine& engine, const std::filesystem::path& video, int samples = 16);

// Whether the source `path` is a video by its content (media::DetectMediaKind);
// false for an image and for anything DetectMediaKind refuses, which the
// image reader then explains.
bool IsVideoSource(const std::filesystem::path& path);

// The source images of a swap, decoded before any model opens (a bad path
// fails at once), in the order of `sources`; a video source is left as an
// empty image, for ResolveVideoSources once the engine is open. Errors:
// media::LoadImageBgr's, naming the file.
Result<std::vector<cv::Mat>> LoadImageSources(const std::vector<std::filesystem::path>& sources);

// Fills every empty entry of `frames` (a video source) with the best frame of
// `sources` at the same index (BestSourceFrame). `frames` has one entry per
// source. Errors: InvalidArgument when the sizes differ; BestSourceFrame's.
Status ResolveVideoSources(FaceSwapEngine& engine, const std::vector<std::filesystem::path>& sources,
                           std::vector<cv::Mat>& frames);

}  // namespace facefuse::pipeline
