// Header probing for the still-image formats we read: signature, width,
// height, alpha, and the end-marker checks that catch truncated files.
#include <algorithm>
#include <cstring>

#include "media/image_probe.h"

namespace facefuse::media {
namespace {

uint32_t Be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Be32(const uint8_t* p) { return (Be16(p) << 16) | Be16(p + 2); }
uint32_t Le16(const uint8_t* p) { return uint32_t{p[0]} | (uint32_t{p[1]} << 8); }
uint32_t Le24(const uint8_t* p) { return Le16(p) | (uint32_t{p[2]} << 16); }
uint32_t Le32(const uint8_t* p) { return Le24(p) | (uint32_t{p[3]} << 24); }

bool StartsWith(std::span<const uint8_t> b, const char* sig, size_t at = 0) {
  size_t n = std::strlen(sig);
  return b.size() >= at + n && std::memcmp(b.data() + at, sig, n) == 0;
}

Status TooShort(const char* format) {
  return InvalidArgument(std::string("the ") + format + " header is cut short (the file is truncated)");
}

Result<ImageHeader> ProbePng(std::span<const uint8_t> b) {
  if (b.size() < 26 || !StartsWith(b, "IHDR", 12)) return TooShort("PNG");
  ImageHeader h{ImageFormat::kPng, Be32(&b[16]), Be32(&b[20]), b[25] == 4 || b[25] == 6};
  return h;
}

bool IsSofMarker(uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

Result<ImageHeader> ProbeJpeg(std::span<const uint8_t> b) {
  size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xFF) return InvalidArgument("the JPEG marker stream is corrupt at byte " + std::to_string(pos));
    uint8_t marker = b[pos + 1];
    if (marker == 0xFF) { ++pos; continue; }  // fill byte
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { pos += 2; continue; }
    if (marker == 0xDA || marker == 0xD9) break;  // scan data or end before any frame header
    uint32_t length = Be16(&b[pos + 2]);
    if (IsSofMarker(marker)) {
      if (pos + 9 > b.size()) return TooShort("JPEG");
      ImageHeader h{ImageFormat::kJpeg, Be16(&b[pos + 7]), Be16(&b[pos + 5]), false};
      return h;
    }
    if (length < 2) return InvalidArgument("the JPEG marker stream is corrupt at byte " + std::to_string(pos));
    pos += 2 + length;
  }
  return InvalidArgument("the JPEG has no frame header (truncated or corrupt)");
}

Result<ImageHeader> ProbeBmp(std::span<const uint8_t> b) {
  if (b.size() < 26) return TooShort("BMP");
  int32_t w = static_cast<int32_t>(Le32(&b[18])), h = static_cast<int32_t>(Le32(&b[22]));
  ImageHeader header{ImageFormat::kBmp, w, h == INT32_MIN ? int64_t{1} << 31 : std::abs(int64_t{h}), false};
  return header;
}

Result<ImageHeader> ProbeWebp(std::span<const uint8_t> b) {
  if (b.size() < 30) return TooShort("WebP");
  if (StartsWith(b, "VP8X", 12)) {
    ImageHeader h{ImageFormat::kWebp, int64_t{Le24(&b[24])} + 1, int64_t{Le24(&b[27])} + 1, (b[20] & 0x10) != 0};
    return h;
  }
  if (StartsWith(b, "VP8L", 12)) {
    if (b[20] != 0x2F) return InvalidArgument("the WebP lossless header is corrupt");
    uint32_t bits = Le32(&b[21]);
    ImageHeader h{ImageFormat::kWebp, int64_t{bits & 0x3FFF} + 1, int64_t{(bits >> 14) & 0x3FFF} + 1,
                  ((bits >> 28) & 1) != 0};
    return h;
  }
  if (StartsWith(b, "VP8 ", 12)) {
    if (b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) return InvalidArgument("the WebP lossy header is corrupt");
    ImageHeader h{ImageFormat::kWebp, Le16(&b[26]) & 0x3FFF, Le16(&b[28]) & 0x3FFF, false};
    return h;
  }
  return InvalidArgument("the WebP file has no VP8/VP8L/VP8X chunk");
}

// Offset of the first start-of-scan marker, walking segment lengths from SOI; b.size() when there is none.
size_t FirstScanOffset(std::span<const uint8_t> b) {
  size_t pos = 2;
  while (pos + 4 <= b.size() && b[pos] == 0xFF) {
    const uint8_t marker = b[pos + 1];
    if (marker == 0xFF) { ++pos; continue; }
    if (marker == 0xDA) return pos;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { pos += 2; continue; }
    pos += 2 + Be16(&b[pos + 2]);
  }
  return b.size();
}

}  // namespace

std::string ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kBmp: return "BMP";
  }
  return "?";
}

Result<ImageHeader> ProbeImage(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return InvalidArgument("the file is empty");
  if (StartsWith(bytes, "\x89PNG\r\n\x1a\n")) return ProbePng(bytes);
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return ProbeJpeg(bytes);
  if (StartsWith(bytes, "BM")) return ProbeBmp(bytes);
  if (StartsWith(bytes, "RIFF") && StartsWith(bytes, "WEBP", 8)) return ProbeWebp(bytes);
  return InvalidArgument("not an image in a format we read (JPEG, PNG, WebP, BMP)");
}

size_t DropUnusedPngChunks(std::vector<uint8_t>& b) {
  size_t read = 8, write = 8, dropped = 0;  // after the signature
  while (read + 12 <= b.size()) {
    const uint64_t size = uint64_t{12} + Be32(&b[read]);
    if (read + size > b.size()) break;
    const bool critical = (b[read + 4] & 0x20) == 0;  // an upper-case first letter
    const bool used = critical || std::memcmp(&b[read + 4], "tRNS", 4) == 0 || std::memcmp(&b[read + 4], "eXIf", 4) == 0;
    if (used) {
      if (write != read) std::memmove(&b[write], &b[read], size);
      write += size;
    } else {
      ++dropped;
    }
    read += size;
  }
  if (dropped == 0) return 0;
  const size_t rest = b.size() - read;
  if (rest > 0) std::memmove(&b[write], &b[read], rest);
  b.resize(write + rest);
  return dropped;
}

namespace {

std::string Size(const ImageHeader& h) { return std::to_string(h.width) + "x" + std::to_string(h.height); }

// zlib cannot compress better than about 1032:1, so a PNG whose IDAT chunks hold less than 1/1100 of the raw
// scanlines its IHDR claims (height x (1 filter byte + width x channels x bit depth / 8)) is refused before libpng
// reads it (it printed "libpng error: Not enough image data" on stderr).
Status CheckPngDataFitsPixels(std::span<const uint8_t> b, const ImageHeader& h) {
  if (b.size() < 29 || h.width <= 0 || h.height <= 0) return Status::Ok();
  static const int kChannels[] = {1, 0, 3, 1, 2, 0, 4};  // by colour type 0..6
  const uint8_t depth = b[24], colour = b[25];
  const int channels = colour < 7 ? kChannels[colour] : 0;
  if (channels == 0) return Status::Ok();  // an unknown colour type is the decoder's to refuse
  const uint64_t row = 1 + (uint64_t(h.width) * channels * depth + 7) / 8;
  const uint64_t raw = row * uint64_t(h.height);
  uint64_t idat = 0;
  for (size_t pos = 8; pos + 8 <= b.size();) {
    const uint64_t length = Be32(&b[pos]);
    if (std::memcmp(&b[pos + 4], "IDAT", 4) == 0) idat += length;
    pos += 12 + length;
  }
  if (idat < raw / 1100)
    return InvalidArgument("the PNG is truncated or corrupt: its image data (" + std::to_string(idat) +
                           " bytes) cannot hold the " + Size(h) + " pixels its header claims");
  return Status::Ok();
}

// An uncompressed BMP (BI_RGB or BI_BITFIELDS) must hold row stride x height bytes after its pixel offset;
// OpenCV printed "imdecode_(''): can't read data" on stderr for one that does not.
Status CheckBmpDataFitsPixels(std::span<const uint8_t> b, const ImageHeader& h) {
  if (b.size() < 34 || Le32(&b[14]) < 40 || h.width <= 0 || h.height <= 0) return Status::Ok();
  const uint32_t compression = Le32(&b[30]);
  if (compression != 0 && compression != 3) return Status::Ok();
  const uint64_t bits = Le16(&b[28]);
  const uint64_t stride = (uint64_t(h.width) * bits + 31) / 32 * 4;
  const uint64_t needed = uint64_t{Le32(&b[10])} + stride * uint64_t(h.height);
  if (needed > b.size())
    return InvalidArgument("the BMP is truncated or corrupt: its " + std::to_string(b.size()) + " bytes cannot hold the " +
                           Size(h) + " pixels its header claims (" + std::to_string(needed) + " bytes)");
  return Status::Ok();
}

}  // namespace

Status CheckComplete(std::span<const uint8_t> b, const ImageHeader& h) {
  switch (h.format) {
    case ImageFormat::kPng: {
      // The last chunk is IEND (length 0): "\0\0\0\0IEND" + CRC; allow trailing bytes after it.
      static const uint8_t kIend[] = {0, 0, 0, 0, 'I', 'E', 'N', 'D'};
      if (std::search(b.begin(), b.end(), std::begin(kIend), std::end(kIend)) == b.end())
        return InvalidArgument("the PNG is truncated (no IEND chunk)");
      return CheckPngDataFitsPixels(b, h);
    }
    case ImageFormat::kJpeg: {
      // Entropy-coded data stuffs 0xFF as FF 00, so FF D9 after the first scan can only be the end marker.
      // The first scan is found by walking the segments: an EXIF thumbnail carries its own scan and end marker.
      static const uint8_t kEoi[] = {0xFF, 0xD9};
      const size_t sos = FirstScanOffset(b);
      if (sos >= b.size() || std::search(b.begin() + static_cast<std::ptrdiff_t>(sos), b.end(), std::begin(kEoi),
                                         std::end(kEoi)) == b.end())
        return InvalidArgument("the JPEG is truncated (no end-of-image marker)");
      return Status::Ok();
    }
    case ImageFormat::kWebp:
      if (uint64_t{Le32(&b[4])} + 8 > b.size()) return InvalidArgument("the WebP is truncated (shorter than its RIFF size)");
      return Status::Ok();
    case ImageFormat::kBmp:
      if (b.size() >= 14 && uint64_t{Le32(&b[2])} > b.size())
        return InvalidArgument("the BMP is truncated (shorter than its header says)");
      return CheckBmpDataFitsPixels(b, h);
  }
  return Status::Ok();
}

}  // namespace facefuse::media
