// Internal to media/: the end-of-file checks behind LoadImage.
#pragma once

#include <cstdint>
#include <span>

#include "facefuse/status.h"
#include "media/image_io.h"

namespace facefuse::media {

// OK when the file holds its format's end marker (PNG IEND, JPEG EOI after the
// first scan) or the length its header declares (WebP, BMP). Precondition:
// `header` came from ProbeImage(bytes).
Status CheckComplete(std::span<const uint8_t> bytes, const ImageHeader& header);

}  // namespace facefuse::media
