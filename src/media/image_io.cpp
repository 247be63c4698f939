#include "media/image_io.h"

#include <opencv2/imgcodecs.hpp>

namespace facefuse::media {

Result<cv::Mat> LoadImageBgr(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("image " + path.string() + " does not exist");
  if (std::filesystem::is_directory(path, ec)) return InvalidArgument(path.string() + " is a folder, not an image");
  cv::Mat img;
  try {
    img = cv::imread(path.string(), cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return InvalidArgument("cannot decode image " + path.string() + ": " + e.what());
  }
  if (img.empty() || img.cols <= 0 || img.rows <= 0)
    return InvalidArgument(path.string() + " is not a readable image (unsupported format, truncated or empty)");
  return img;
}

}  // namespace facefuse::media
