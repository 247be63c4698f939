// Reading and writing still images with clear errors (OpenCV imgcodecs
// underneath, our own header checks in front of it).
//
// Decoding trusts nothing: the header is probed first (format, width, height),
// so an empty file, a text file named .jpg, a 0x0 image or a header claiming
// 30000x30000 pixels is refused before any pixel buffer is allocated, and a
// JPEG or PNG that stops before its end marker is refused instead of being
// returned half grey. Nothing here throws.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/env.h"
#include "facefuse/memory_budget.h"
#include "facefuse/status.h"
#include "media/image_probe.h"

namespace facefuse::media {

struct ImageLimits {
  int64_t max_side = 32768;            // pixels per side
  int64_t max_pixels = int64_t{1} << 27;  // 134 MP (a 16k x 8k panorama fits)
  // When set, the file's bytes and the decoded pixels are claimed from this
  // budget before decoding (the header's width x height x channels), and the
  // decoded pixels stay claimed while the Image lives.
  std::shared_ptr<MemoryBudget> budget;
  // Where the file is read from (not owned).
  Env* env = Env::Default();
};

// A decoded image: 8-bit BGR pixels, EXIF orientation applied (JPEG), and the
// alpha channel as 8-bit single channel when the file has one (else empty).
// Move-only when it holds a memory claim.
struct Image {
  cv::Mat bgr;
  cv::Mat alpha;
  ImageFormat format = ImageFormat::kJpeg;
  MemoryBudget::Reservation memory;  // the pixels' claim on ImageLimits::budget (empty without one)
};

// Bytes a decoded image of `header` holds: 3 bytes per pixel, 4 more for the
// alpha channel (kept as one byte per pixel after decoding).
uint64_t DecodedImageBytes(const ImageHeader& header);

// Errors: NotFound (missing file), InvalidArgument (a folder, empty file, not
// an image, 0-pixel or over-limit size, truncated data, decoder failure),
// OutOfMemory when the pixel buffer cannot be had or does not fit
// `limits.budget` (naming the file, its size and the budget).
Result<Image> LoadImage(const std::filesystem::path& path, const ImageLimits& limits = {});

// LoadImage without the alpha channel.
Result<cv::Mat> LoadImageBgr(const std::filesystem::path& path);

// OK when `path`'s extension names a format SaveImage writes. Errors:
// InvalidArgument naming the path and the extensions we write.
Status CheckImageExtension(const std::filesystem::path& path);

// Claims `path` for a new image before any work is done for it: a known
// extension (CheckImageExtension) and a writable destination that is none of
// `inputs` (CheckOutputPath); the returned file is committed with
// CommitImage, and removed when dropped uncommitted (or on SIGINT/SIGTERM/SIGHUP/SIGQUIT).
// Files are written through `env` (not owned; must outlive the returned file).
Result<PendingFile> PrepareImageOutput(const std::filesystem::path& path,
                                       const std::vector<std::filesystem::path>& inputs = {},
                                       Env* env = Env::Default());

// Encodes `bgr` (CV_8UC3) in the format of `path`'s extension (.jpg/.jpeg,
// .png, .webp, .bmp) and commits it to `file` (from PrepareImageOutput(path)).
// A non-empty `alpha` (CV_8UC1, same size) is kept for PNG and WebP and
// dropped for the others. Errors: InvalidArgument (unknown extension, empty or
// non-BGR image, alpha of another size), Internal from the encoder, IoError
// from the file system naming `path` (the destination is then untouched and
// the temporary file removed).
Status CommitImage(PendingFile& file, const std::filesystem::path& path, const cv::Mat& bgr,
                   const cv::Mat& alpha = {}, int jpeg_quality = 95);

// PrepareImageOutput(path) then CommitImage: a unique temporary file beside
// `path` (O_EXCL, never following a symlink) renamed into place, so a failed
// write never leaves a partial image or destroys an existing one.
Status SaveImage(const std::filesystem::path& path, const cv::Mat& bgr, const cv::Mat& alpha = {},
                 int jpeg_quality = 95, Env* env = Env::Default());

}  // namespace facefuse::media
