// Image reading and writing: real photos load, damaged or hostile files give
// clear errors before any pixel buffer is allocated, alpha survives a round trip.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "media/image_io.h"
#include "media/image_probe.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::media {
namespace {

namespace fs = std::filesystem;
const fs::path kImages = test_fixtures::FixturesDir() / "media" / "images";

class ImageFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("facefuse_image_io_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path Write(const std::string& name, const std::string& bytes) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  static std::string ReadBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  fs::path dir_;
};

// The error is InvalidArgument and its message holds `what`.
void ExpectRefused(const fs::path& p, const std::string& what) {
  auto r = LoadImage(p);
  ASSERT_FALSE(r.ok()) << p;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().ToString().find(what), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().ToString().find(p.filename().string()), std::string::npos) << "names the file";
}

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A PNG signature, an IHDR claiming w x h (RGB, 8 bit) and an IEND: valid enough for the header probe.
std::string PngHeader(uint32_t w, uint32_t h) {
  std::string s = "\x89PNG\r\n\x1a\n";
  s += Be32(13) + "IHDR" + Be32(w) + Be32(h) + std::string("\x08\x02\x00\x00\x00", 5) + Be32(0);
  s += Be32(0) + "IEND" + Be32(0xAE426082);
  return s;
}

TEST_F(ImageFiles, RealPhotosLoadAsBgr) {
  FF_REQUIRE_FIXTURES(kImages);
  auto r = LoadImage(kImages / "obama.jpg");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->bgr.cols, 910);
  EXPECT_EQ(r->bgr.rows, 1137);
  EXPECT_EQ(r->bgr.type(), CV_8UC3);
  EXPECT_TRUE(r->alpha.empty());
  auto grey = LoadImage(kImages / "camera.png");  // a grey PNG comes back as 3 channels
  ASSERT_TRUE(grey.ok()) << grey.status().ToString();
  EXPECT_EQ(grey->bgr.type(), CV_8UC3);
}

TEST_F(ImageFiles, TruncatedJpegIsRefused) {
  FF_REQUIRE_FIXTURES(kImages);
  std::string bytes = ReadBytes(kImages / "obama.jpg");
  ExpectRefused(Write("half.jpg", bytes.substr(0, bytes.size() / 2)), "truncated");
  ExpectRefused(Write("header_only.jpg", bytes.substr(0, 300)), "JPEG");
}

TEST_F(ImageFiles, TruncatedPngIsRefused) {
  FF_REQUIRE_FIXTURES(kImages);
  std::string bytes = ReadBytes(kImages / "astronaut.png");
  ExpectRefused(Write("half.png", bytes.substr(0, bytes.size() / 2)), "truncated");
}

TEST_F(ImageFiles, ZeroByZeroImageIsRefused) { ExpectRefused(Write("zero.png", PngHeader(0, 0)), "no pixels"); }

TEST_F(ImageFiles, HugeHeaderIsRefusedBeforeDecoding) {
  ExpectRefused(Write("huge.png", PngHeader(30000, 30000)), "30000x30000");
  // The same claim in a JPEG frame header.
  std::string jpeg = "\xFF\xD8\xFF\xC0";
  jpeg += std::string("\x00\x11\x08", 3) + "\x75\x30" + "\x75\x30" + std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  jpeg += "\xFF\xDA\x00\x02\xFF\xD9";
  ExpectRefused(Write("huge.jpg", jpeg), "30000x30000");
}

TEST_F(ImageFiles, TextFileNamedJpgIsRefused) {
  ExpectRefused(Write("notes.jpg", "this is not a picture\n"), "not an image");
}

TEST_F(ImageFiles, EmptyFileFolderAndMissingFile) {
  ExpectRefused(Write("empty.png", ""), "empty");
  auto folder = LoadImage(dir_);
  EXPECT_EQ(folder.status().code(), StatusCode::kInvalidArgument);
  auto missing = LoadImage(dir_ / "nope.jpg");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// Devices, FIFOs and oversized files are refused from the file's kind and size before a byte is read: /dev/zero
// would be read forever, a FIFO without a writer would block, a sparse 2.2 GB file would be read whole.
TEST_F(ImageFiles, NonRegularAndOversizedFilesAreRefusedBeforeReading) {
  ExpectRefused("/dev/zero", "is not a regular file (a device, FIFO or socket)");
  const fs::path fifo = dir_ / "pipe.jpg";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ExpectRefused(fifo, "is not a regular file");
  const fs::path sparse = dir_ / "sparse.jpg";
  { std::ofstream(sparse, std::ios::binary) << ""; }
  fs::resize_file(sparse, 2200ull << 20);
  ExpectRefused(sparse, "is 2306867200 bytes, over the limit of 2147483647 bytes");
}

std::string Le32Bytes(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}

// Headers that claim far more pixels than the file can hold are refused before decoding, and the decoders'
// own messages ("libpng error: Not enough image data", OpenCV's "imdecode_(''): can't read data") never reach
// stderr: a PNG whose IHDR says 10000x10000 with a 10-byte IDAT, an uncompressed 24-bit BMP claiming 20000x6000
// (352 MB of rows) in a few hundred bytes.
TEST_F(ImageFiles, HeadersClaimingMorePixelsThanTheFileHoldsAreRefused) {
  std::string png = "\x89PNG\r\n\x1a\n";
  png += Be32(13) + "IHDR" + Be32(10000) + Be32(10000) + std::string("\x08\x02\x00\x00\x00", 5) + Be32(0);
  png += Be32(10) + "IDAT" + std::string("\x78\x9c\x63\x00\x00\x00\x01\x00\x01\x00", 10) + Be32(0);
  png += Be32(0) + "IEND" + Be32(0xAE426082);
  std::string bmp_pixels(300, '\x7f');
  std::string bmp = "BM" + Le32Bytes(static_cast<uint32_t>(54 + bmp_pixels.size())) + Le32Bytes(0) + Le32Bytes(54);
  bmp += Le32Bytes(40) + Le32Bytes(20000) + Le32Bytes(6000) + std::string("\x01\x00\x18\x00", 4) + Le32Bytes(0);
  bmp += Le32Bytes(0) + Le32Bytes(2835) + Le32Bytes(2835) + Le32Bytes(0) + Le32Bytes(0) + bmp_pixels;
  ::testing::internal::CaptureStderr();
  ExpectRefused(Write("lying.png", png), "cannot hold the 10000x10000 pixels its header claims");
  ExpectRefused(Write("lying.bmp", bmp), "cannot hold the 20000x6000 pixels its header claims");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("libpng"), std::string::npos) << err;
  EXPECT_EQ(err.find("imdecode"), std::string::npos) << err;
  // A real PNG and BMP still load (the bounds are lower bounds no valid file falls under).
  const fs::path real_bmp = dir_ / "real.bmp";
  ASSERT_TRUE(SaveImage(real_bmp, cv::Mat(37, 53, CV_8UC3, cv::Scalar(9, 8, 7))).ok());
  EXPECT_TRUE(LoadImage(real_bmp).ok());
  const fs::path flat_png = dir_ / "flat.png";
  ASSERT_TRUE(SaveImage(flat_png, cv::Mat(2000, 2000, CV_8UC3, cv::Scalar(0, 0, 0))).ok());
  EXPECT_TRUE(LoadImage(flat_png).ok()) << "a flat image compresses well but within zlib's ratio";
}

TEST_F(ImageFiles, AlphaSurvivesAPngAndWebpRoundTrip) {
  cv::Mat bgr(40, 60, CV_8UC3, cv::Scalar(10, 120, 240)), alpha(40, 60, CV_8UC1);
  for (int y = 0; y < alpha.rows; ++y)
    for (int x = 0; x < alpha.cols; ++x) alpha.at<uint8_t>(y, x) = static_cast<uint8_t>(x * 4);
  for (const char* name : {"a.png", "a.webp"}) {
    ASSERT_TRUE(SaveImage(dir_ / name, bgr, alpha).ok()) << name;
    auto back = LoadImage(dir_ / name);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_FALSE(back->alpha.empty()) << name;
    EXPECT_EQ(cv::norm(back->alpha, alpha, cv::NORM_INF), 0) << name;
    // Lossless WebP may rewrite the colour of fully transparent pixels: compare where alpha > 0.
    EXPECT_EQ(cv::norm(back->bgr, bgr, cv::NORM_INF, alpha > 0), 0) << name;
  }
  ASSERT_TRUE(SaveImage(dir_ / "a.jpg", bgr, alpha).ok());  // JPEG drops alpha
  auto jpg = LoadImage(dir_ / "a.jpg");
  ASSERT_TRUE(jpg.ok());
  EXPECT_TRUE(jpg->alpha.empty());
}

TEST_F(ImageFiles, SaveRefusesBadRequestsAndLeavesNoPartialFile) {
  cv::Mat bgr(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  EXPECT_EQ(SaveImage(dir_ / "x.gif", bgr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SaveImage(dir_ / "x.png", cv::Mat()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SaveImage(dir_ / "x.png", bgr, cv::Mat(4, 4, CV_8UC1)).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(SaveImage(dir_ / "no_such_folder" / "x.png", bgr).ok());
  EXPECT_FALSE(fs::exists(dir_ / "no_such_folder"));
  // An existing file is replaced whole.
  ASSERT_TRUE(SaveImage(dir_ / "y.png", bgr).ok());
  ASSERT_TRUE(SaveImage(dir_ / "y.png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(9, 9, 9))).ok());
  auto y = LoadImage(dir_ / "y.png");
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->bgr.at<cv::Vec3b>(0, 0), cv::Vec3b(9, 9, 9));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

// The names of the files in `dir` that hold `part`.
std::vector<std::string> FilesWith(const fs::path& dir, const std::string& part) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().find(part) != std::string::npos) names.push_back(entry.path().filename());
  return names;
}

// A symlink planted at the old fixed temporary name, or at the output itself, never gets the file it points at
// overwritten: the temporary file is created exclusively under a fresh name, and rename() replaces the link.
TEST_F(ImageFiles, PlantedSymlinksAreNeverFollowed) {
  const cv::Mat bgr(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  Write("victim_partial.txt", "keep me");
  Write("victim_output.txt", "keep me too");
  fs::create_symlink(dir_ / "victim_partial.txt", dir_ / "out.png.partial");
  fs::create_symlink(dir_ / "victim_output.txt", dir_ / "out.png");
  ASSERT_TRUE(SaveImage(dir_ / "out.png", bgr).ok());
  EXPECT_EQ(ReadBytes(dir_ / "victim_partial.txt"), "keep me");
  EXPECT_EQ(ReadBytes(dir_ / "victim_output.txt"), "keep me too");
  EXPECT_TRUE(fs::is_symlink(dir_ / "out.png.partial"));
  EXPECT_FALSE(fs::is_symlink(dir_ / "out.png"));
  auto back = LoadImage(dir_ / "out.png");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->bgr.at<cv::Vec3b>(7, 7), cv::Vec3b(1, 2, 3));
  EXPECT_TRUE(FilesWith(dir_, ".tmp-").empty());
}

// A pending output exists as a unique, registered temporary file until it is committed (renamed into place) or
// dropped (removed); two pending outputs for one path never share a file.
TEST_F(ImageFiles, PendingOutputIsUniqueRegisteredAndRemovedWhenDropped) {
  const fs::path out = dir_ / "pending.png";
  {
    auto first = PrepareImageOutput(out);
    auto second = PrepareImageOutput(out);
    ASSERT_TRUE(first.ok() && second.ok()) << first.status().ToString() << second.status().ToString();
    EXPECT_NE(first->temp_path(), second->temp_path());
    EXPECT_EQ(FilesWith(dir_, "pending.png.tmp-").size(), 2u);
    const std::vector<std::string> registered = RegisteredTempFiles();
    for (const auto* f : {&*first, &*second})
      EXPECT_NE(std::find(registered.begin(), registered.end(), f->temp_path()), registered.end()) << f->temp_path();
    EXPECT_FALSE(fs::exists(out));
  }
  EXPECT_TRUE(FilesWith(dir_, "pending.png").empty()) << "dropped without a commit: nothing stays";
  EXPECT_TRUE(RegisteredTempFiles().empty());

  auto file = PrepareImageOutput(out);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(CommitImage(*file, out, cv::Mat(4, 4, CV_8UC3, cv::Scalar(5, 6, 7))).ok());
  EXPECT_TRUE(file->temp_path().empty());
  EXPECT_EQ(FilesWith(dir_, "pending.png"), std::vector<std::string>{"pending.png"});
  EXPECT_TRUE(RegisteredTempFiles().empty());
}

// A legal file name too long for the ".tmp-XXXXXX" suffix (250 and 255 bytes) still gets a temporary file: its
// name is cut short, in the same folder, still unique; the image lands at the long name.
TEST_F(ImageFiles, LongOutputNamesGetAShortenedTemporaryFile) {
  for (size_t length : {250u, 255u}) {
    const fs::path out = dir_ / (std::string(length - 4, 'n') + ".png");
    {
      auto first = PrepareImageOutput(out);
      auto second = PrepareImageOutput(out);
      ASSERT_TRUE(first.ok() && second.ok()) << first.status().ToString() << second.status().ToString();
      EXPECT_NE(first->temp_path(), second->temp_path());
      EXPECT_EQ(fs::path(first->temp_path()).parent_path(), dir_);
      EXPECT_LE(fs::path(first->temp_path()).filename().string().size(), 255u);
    }
    EXPECT_TRUE(FilesWith(dir_, ".tmp-").empty()) << "dropped: removed";
    ASSERT_TRUE(SaveImage(out, cv::Mat(4, 4, CV_8UC3, cv::Scalar(1, 2, 3))).ok()) << length;
    EXPECT_TRUE(fs::exists(out));
    EXPECT_TRUE(FilesWith(dir_, ".tmp-").empty());
  }
}

// A bad image given to CommitImage leaves the destination as it was and no temporary file.
TEST_F(ImageFiles, FailedCommitKeepsTheOldFile) {
  const fs::path out = dir_ / "old.png";
  ASSERT_TRUE(SaveImage(out, cv::Mat(4, 4, CV_8UC3, cv::Scalar(1, 1, 1))).ok());
  const std::string before = ReadBytes(out);
  {
    auto file = PrepareImageOutput(out);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(CommitImage(*file, out, cv::Mat()).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ReadBytes(out), before);
  EXPECT_TRUE(FilesWith(dir_, ".tmp-").empty());
}

TEST_F(ImageFiles, OutputPathIsCheckedBeforeAnyWork) {
  fs::create_directories(dir_ / "folder.png");
  auto folder = PrepareImageOutput(dir_ / "folder.png");
  EXPECT_EQ(folder.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(folder.status().message().find("folder.png: it is a folder"), std::string::npos) << folder.status().ToString();
  auto missing = PrepareImageOutput(dir_ / "nowhere" / "x.png");
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos) << missing.status().ToString();
  auto gif = PrepareImageOutput(dir_ / "x.gif");
  EXPECT_NE(gif.status().message().find("the extension must be"), std::string::npos) << gif.status().ToString();
  // The output may not be one of the inputs, also when reached through a symlink.
  const fs::path input = Write("input.png", "not read");
  fs::create_symlink(input, dir_ / "alias.png");
  for (const fs::path& out : {input, dir_ / "alias.png"}) {
    auto same = PrepareImageOutput(out, {dir_ / "other.png", input});
    EXPECT_EQ(same.status().code(), StatusCode::kInvalidArgument) << out;
    EXPECT_NE(same.status().message().find("is the input " + input.string()), std::string::npos)
        << same.status().ToString();
  }
  EXPECT_EQ(ReadBytes(input), "not read");
  EXPECT_TRUE(FilesWith(dir_, ".tmp-").empty());
}

// SIGTERM and SIGINT while an output is pending: the process dies of the signal and the temporary file is gone.
// A signal this process was started ignoring (nohup: SIGHUP; a shell's background job: SIGINT, SIGQUIT) is left
// alone by design (InstallTempFileCleanup), so it is not tried.
TEST_F(ImageFiles, StopSignalsRemoveThePendingFile) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    struct sigaction inherited{};
    if (::sigaction(sig, nullptr, &inherited) == 0 && inherited.sa_handler == SIG_IGN) {
      std::printf("signal %d is ignored by this process (started so): not tried\n", sig);
      continue;
    }
    const fs::path out = dir_ / ("signalled_" + std::to_string(sig) + ".png");
    EXPECT_EXIT(
        {
          auto file = PrepareImageOutput(out);
          if (!file.ok() || !fs::exists(file->temp_path())) std::_Exit(3);
          std::raise(sig);
          std::_Exit(4);  // not reached: the handler re-raises with the default action
        },
        ::testing::KilledBySignal(sig), "");
    EXPECT_TRUE(FilesWith(dir_, out.filename().string()).empty()) << sig;
  }
}

// A JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6) loads upright: width and height swap
// and the first row of the file becomes the last column.
TEST_F(ImageFiles, ExifOrientationIsApplied) {
  cv::Mat bgr(20, 40, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr.row(0).setTo(cv::Scalar(255, 255, 255));  // a white top row
  std::vector<uchar> encoded;
  ASSERT_TRUE(cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, 100}));
  // APP1: "Exif\0\0", little-endian TIFF header, one IFD entry: Orientation (0x0112), SHORT, 1, value 6.
  const std::string tiff = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +
                           std::string("\x12\x01\x03\0\x01\0\0\0\x06\0\0\0", 12) + std::string("\0\0\0\0", 4);
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  std::string app1 = "\xFF\xE1";
  app1 += static_cast<char>(length >> 8);
  app1 += static_cast<char>(length & 0xFF);
  app1 += payload;
  std::string bytes(encoded.begin(), encoded.end());
  bytes.insert(2, app1);  // right after SOI
  auto r = LoadImage(Write("rotated.jpg", bytes));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->bgr.cols, 20);
  EXPECT_EQ(r->bgr.rows, 40);
  EXPECT_GT(cv::mean(r->bgr.col(r->bgr.cols - 1))[0], 200) << "the white top row is now the right column";
  EXPECT_LT(cv::mean(r->bgr.col(0))[0], 50);
}

// Decoded pixels count against a memory budget: a header that does not fit is refused before decoding (naming the
// file and the sizes), and a loaded image holds its claim until it is destroyed.
TEST_F(ImageFiles, DecodedPixelsAreClaimedFromTheBudget) {
  const fs::path big = Write("big.png", PngHeader(11000, 11000));  // refused from the header: no pixel data needed
  auto small_budget = MemoryBudget::Create("cpu", 50000000);
  ImageLimits limits;
  limits.budget = small_budget;
  auto refused = LoadImage(big, limits);
  ASSERT_EQ(refused.status().code(), StatusCode::kOutOfMemory) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("big.png: decoding 11000x11000 PNG pixels: 346.2 MiB does not fit"),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(small_budget->in_use_bytes(), 0u);

  const cv::Mat bgr(30, 50, CV_8UC3, cv::Scalar(1, 2, 3));
  ASSERT_TRUE(SaveImage(dir_ / "small.png", bgr).ok());
  {
    auto image = LoadImage(dir_ / "small.png", limits);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    EXPECT_EQ(image->memory.bytes(), 30u * 50u * 3u);
    EXPECT_EQ(small_budget->in_use_bytes(), 30u * 50u * 3u);
    EXPECT_GE(small_budget->peak_bytes(), 30u * 50u * 3u + fs::file_size(dir_ / "small.png"));  // bytes + pixels
  }
  EXPECT_EQ(small_budget->in_use_bytes(), 0u);
}

// PNG chunks the decoder does not use (here a colour profile and a text chunk) are dropped before decoding, so
// libpng has nothing to warn about; the pixels are the same.
TEST_F(ImageFiles, UnusedPngChunksAreDropped) {
  const cv::Mat bgr(6, 9, CV_8UC3, cv::Scalar(40, 80, 120));
  std::vector<uchar> encoded;
  ASSERT_TRUE(cv::imencode(".png", bgr, encoded));
  std::vector<uint8_t> bytes(encoded.begin(), encoded.end());
  const std::string extra = Be32(3) + "iCCP" + "abc" + Be32(0) + Be32(2) + "tEXt" + "hi" + Be32(0);
  bytes.insert(bytes.begin() + 33, extra.begin(), extra.end());  // after the signature and IHDR
  std::vector<uint8_t> stripped = bytes;
  EXPECT_EQ(DropUnusedPngChunks(stripped), 2u);
  EXPECT_EQ(stripped, std::vector<uint8_t>(encoded.begin(), encoded.end()));
  EXPECT_EQ(DropUnusedPngChunks(stripped), 0u);
  auto loaded = LoadImage(Write("chunks.png", std::string(bytes.begin(), bytes.end())));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(cv::norm(loaded->bgr, bgr, cv::NORM_INF), 0);
}

}  // namespace
}  // namespace facefuse::media
