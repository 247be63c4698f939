// Reading images from disk with clear errors (OpenCV imgcodecs underneath).
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>

#include "facefuse/status.h"

namespace facefuse::media {

// Loads an image as 8-bit BGR (3 channels). Errors: NotFound for a missing
// file, InvalidArgument for a file that is not a decodable image or has no
// pixels. Never throws.
Result<cv::Mat> LoadImageBgr(const std::filesystem::path& path);

}  // namespace facefuse::media
