// make-blank-png OUT WIDTH HEIGHT: writes an all-black 8-bit RGB PNG, streaming
// its rows through zlib so that even a 11000 x 11000 image (363 MB of pixels)
// is made in a few MB of memory and compresses to a few hundred KB. The CLI
// tests use it for images that must not be decoded (memory limits) and for a
// picture without a face.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void Be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// Appends one chunk (length, type, data, CRC of type + data).
void Chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
  Be32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  Be32(out, static_cast<uint32_t>(crc32(0, out.data() + start, static_cast<uInt>(out.size() - start))));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make-blank-png OUT WIDTH HEIGHT\n");
    return 2;
  }
  const long width = std::strtol(argv[2], nullptr, 10), height = std::strtol(argv[3], nullptr, 10);
  if (width < 1 || height < 1 || width > 100000 || height > 100000) {
    std::fprintf(stderr, "make-blank-png: WIDTH and HEIGHT must be 1..100000\n");
    return 2;
  }
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  Be32(ihdr, static_cast<uint32_t>(width));
  Be32(ihdr, static_cast<uint32_t>(height));
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit RGB, deflate, no filter method, no interlace
  Chunk(png, "IHDR", ihdr);

  z_stream z{};
  if (deflateInit(&z, Z_BEST_COMPRESSION) != Z_OK) return 1;
  const std::vector<uint8_t> row(static_cast<size_t>(1 + 3 * width), 0);  // filter byte 0, black pixels
  std::vector<uint8_t> idat, buffer(1 << 16);
  for (long y = 0; y <= height; ++y) {
    const bool last = y == height;
    z.next_in = last ? nullptr : const_cast<uint8_t*>(row.data());
    z.avail_in = last ? 0 : static_cast<uInt>(row.size());
    do {
      z.next_out = buffer.data();
      z.avail_out = static_cast<uInt>(buffer.size());
      deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      idat.insert(idat.end(), buffer.data(), buffer.data() + (buffer.size() - z.avail_out));
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  Chunk(png, "IDAT", idat);
  Chunk(png, "IEND", {});

  FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr || std::fwrite(png.data(), 1, png.size(), f) != png.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "make-blank-png: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
