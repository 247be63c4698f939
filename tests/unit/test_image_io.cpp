// Image reading and writing: real photos load, damaged or hostile files give
// clear errors before any pixel buffer is allocated, alpha survives a round trip.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "media/image_io.h"
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
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
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

}  // namespace
}  // namespace facefuse::media
