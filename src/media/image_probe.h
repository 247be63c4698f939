// What an image file is, from its bytes alone: the format, width, height and
// alpha from its header (ProbeImage), and the end-of-file checks that catch a
// truncated file before a decoder sees it. Nothing here allocates pixels or
// touches a file. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "facefuse/status.h"

namespace facefuse::media {

enum class ImageFormat { kJpeg, kPng, kWebp, kBmp };
std::string ImageFormatName(ImageFormat format);

struct ImageHeader {
  ImageFormat format = ImageFormat::kJpeg;
  int64_t width = 0;
  int64_t height = 0;
  bool has_alpha = false;  // PNG with an alpha channel, WebP with alpha
};

// Format and size from the first bytes of a file. Errors: InvalidArgument for
// an empty buffer, an unknown signature (naming the formats we read), or a
// header too short to hold the size.
Result<ImageHeader> ProbeImage(std::span<const uint8_t> bytes);

// OK when the file holds its format's end marker (PNG IEND, JPEG EOI after the
// first scan) or the length its header declares (WebP, BMP). Precondition:
// `header` came from ProbeImage(bytes).
Status CheckComplete(std::span<const uint8_t> bytes, const ImageHeader& header);

// Drops the PNG ancillary chunks the decoder does not use (all but tRNS and
// eXIf: colour profiles, text, time, ...) from `bytes` in place, so libpng
// has nothing to warn about on stderr for them (an "iCCP: known incorrect
// sRGB profile", for one). Returns the number of chunks dropped. A chunk
// stream that is cut short is left as it is from that point on.
// Precondition: `bytes` holds a PNG (ProbeImage said so).
size_t DropUnusedPngChunks(std::vector<uint8_t>& bytes);

}  // namespace facefuse::media
