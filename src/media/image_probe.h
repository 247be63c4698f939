// Internal to media/: the end-of-file checks behind LoadImage.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "facefuse/status.h"
#include "media/image_io.h"

namespace facefuse::media {

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
