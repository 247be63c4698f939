#include "media/image_io.h"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "common/read_file.h"
#include "media/image_probe.h"

namespace facefuse::media {
namespace {

Result<std::vector<uint8_t>> ReadAll(const std::filesystem::path& path, Env* env) {
  const FileType type = env->Stat(path).type;
  if (type == FileType::kMissing) return NotFound("image " + path.string() + " does not exist");
  if (type == FileType::kDirectory) return InvalidArgument(path.string() + " is a folder, not an image");
  // Refused from its size and kind before reading: over 2 GB (what the decoders take) or a device/FIFO/socket.
  return ReadRegularFile<std::vector<uint8_t>>(path, uint64_t{INT32_MAX}, env);
}

Status CheckSize(const ImageHeader& h, const ImageLimits& limits) {
  const std::string size = std::to_string(h.width) + "x" + std::to_string(h.height);
  if (h.width <= 0 || h.height <= 0) return InvalidArgument("the image is " + size + " pixels: it has no pixels");
  if (h.width > limits.max_side || h.height > limits.max_side || h.width * h.height > limits.max_pixels)
    return InvalidArgument("the image claims " + size + " pixels, over the limit of " +
                           std::to_string(limits.max_side) + " per side and " +
                           std::to_string(limits.max_pixels / 1000000) + " MP");
  return Status::Ok();
}

// OpenCV's own log lines (libpng's "iCCP: known incorrect sRGB profile" and the like) are not ours to print:
// what matters reaches the caller as a Status. Set once, before the first decode or encode.
void SilenceOpenCvLogging() {
  static const bool silenced = [] {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    return true;
  }();
  (void)silenced;
}

Result<cv::Mat> Decode(const std::vector<uint8_t>& bytes, int flags) {
  SilenceOpenCvLogging();
  try {
    return cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data())), flags);
  } catch (const cv::Exception& e) {
    return InvalidArgument(std::string("the decoder failed: ") + e.what());
  } catch (const std::bad_alloc&) {
    return OutOfMemory("no memory for the decoded pixels");
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Result<Image> LoadImage(const std::filesystem::path& path, const ImageLimits& limits) {
  FF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadAll(path, EnvOrDefault(limits.env)));
  auto described = [&](const Status& s) { return s.WithContext("image " + path.string()); };
  auto header = ProbeImage(bytes);
  if (!header.ok()) return described(header.status());
  if (Status s = CheckSize(*header, limits); !s.ok()) return described(s);
  if (header->format == ImageFormat::kPng) DropUnusedPngChunks(bytes);

  Image image;
  image.format = header->format;
  if (limits.budget) {
    // While decoding, the file's bytes and the pixels (with a 4-channel copy for alpha) are held at once.
    const uint64_t pixels = static_cast<uint64_t>(header->width) * static_cast<uint64_t>(header->height);
    const uint64_t decoding = bytes.size() + DecodedImageBytes(*header) + (header->has_alpha ? pixels * 4 : 0);
    auto claim = limits.budget->Reserve(decoding, "decoding " + std::to_string(header->width) + "x" +
                                                      std::to_string(header->height) + " " +
                                                      ImageFormatName(header->format) + " pixels");
    if (!claim.ok()) return described(claim.status());
    image.memory = std::move(claim).value();
  }
  // After the budget (a header too big for it says so first), before the decoder sees a truncated or lying file.
  if (Status s = CheckComplete(bytes, *header); !s.ok()) return described(s);
  FF_ASSIGN_OR_RETURN(image.bgr, Decode(bytes, cv::IMREAD_COLOR));  // applies EXIF orientation
  if (image.bgr.empty() || image.bgr.type() != CV_8UC3)
    return described(InvalidArgument("the " + ImageFormatName(header->format) + " data cannot be decoded"));
  if (header->has_alpha) {
    FF_ASSIGN_OR_RETURN(cv::Mat full, Decode(bytes, cv::IMREAD_UNCHANGED));
    if (full.channels() == 4 && full.size() == image.bgr.size()) {
      if (full.depth() == CV_16U) full.convertTo(full, CV_8U, 1.0 / 257);
      cv::extractChannel(full, image.alpha, 3);
    }
  }
  if (!image.memory.empty()) {
    const uint64_t held = image.bgr.total() * image.bgr.elemSize() + image.alpha.total() * image.alpha.elemSize();
    if (held < image.memory.bytes()) (void)image.memory.Resize(held);  // shrinking always succeeds
  }
  return image;
}

uint64_t DecodedImageBytes(const ImageHeader& header) {
  const uint64_t pixels = static_cast<uint64_t>(header.width) * static_cast<uint64_t>(header.height);
  return pixels * (header.has_alpha ? 4 : 3);
}

Result<cv::Mat> LoadImageBgr(const std::filesystem::path& path) {
  FF_ASSIGN_OR_RETURN(Image image, LoadImage(path));
  return image.bgr;
}

Status CheckImageExtension(const std::filesystem::path& path) {
  const std::string ext = Lower(path.extension().string());
  if (ext != ".jpg" && ext != ".jpeg" && ext != ".bmp" && ext != ".png" && ext != ".webp")
    return InvalidArgument("cannot write " + path.string() + ": the extension must be .jpg, .jpeg, .png, .webp or .bmp");
  return Status::Ok();
}

Result<PendingFile> PrepareImageOutput(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs,
                                       Env* env) {
  FF_RETURN_IF_ERROR(CheckOutputPath(path, inputs, env));  // first: a folder named as output is told so
  FF_RETURN_IF_ERROR(CheckImageExtension(path));
  return PendingFile::Create(path, inputs, env);
}

Status CommitImage(PendingFile& file, const std::filesystem::path& path, const cv::Mat& bgr, const cv::Mat& alpha,
                   int jpeg_quality) {
  FF_RETURN_IF_ERROR(CheckImageExtension(path));
  const std::string ext = Lower(path.extension().string());
  const bool keeps_alpha = ext == ".png" || ext == ".webp";
  if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("SaveImage needs a non-empty 8-bit BGR image");
  if (!alpha.empty() && (alpha.type() != CV_8UC1 || alpha.size() != bgr.size()))
    return InvalidArgument("the alpha channel must be 8-bit and the size of the image");
  SilenceOpenCvLogging();
  cv::Mat pixels = bgr;
  if (keeps_alpha && !alpha.empty()) {
    std::vector<cv::Mat> planes;
    cv::split(bgr, planes);
    planes.push_back(alpha);
    cv::merge(planes, pixels);
  }
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  if (ext == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, alpha.empty() ? jpeg_quality : 101};
  std::vector<uchar> encoded;
  try {
    if (!cv::imencode(ext, pixels, encoded, params)) return Internal("cannot encode " + path.string());
  } catch (const cv::Exception& e) {
    return Internal("cannot encode " + path.string() + ": " + e.what());
  }
  return file.Commit(encoded);
}

Status SaveImage(const std::filesystem::path& path, const cv::Mat& bgr, const cv::Mat& alpha, int jpeg_quality,
                 Env* env) {
  FF_ASSIGN_OR_RETURN(PendingFile file, PrepareImageOutput(path, {}, env));
  return CommitImage(file, path, bgr, alpha, jpeg_quality);
}

}  // namespace facefuse::media
