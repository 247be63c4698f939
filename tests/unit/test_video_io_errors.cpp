// Video I/O on bad input and failed writes: damaged, empty, audio-only,
// mislabelled or forged files give InvalidArgument naming the file, a writer
// leaves nothing under the requested name unless Finish succeeds, and media
// kinds are told from content, not extensions. Also the trim positions and
// the quality table.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <string>

#include "media/video_info.h"
#include "media/video_reader.h"
#include "media/video_span.h"
#include "media/video_writer.h"
#include "tests/unit/video_clips.h"

namespace facefuse::media {
namespace {

namespace fs = std::filesystem;

class VideoErrors : public video_test::VideoClipTest {
 protected:
  fs::path WriteFile(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  // ProbeVideo and VideoReader::Open both refuse `p` with InvalidArgument naming it and holding `what`.
  void ExpectRefused(const fs::path& p, const std::string& what) {
    auto info = ProbeVideo(p);
    ASSERT_FALSE(info.ok()) << p;
    EXPECT_EQ(info.status().code(), StatusCode::kInvalidArgument) << info.status().ToString();
    EXPECT_NE(info.status().message().find(p.filename().string()), std::string::npos) << info.status().ToString();
    EXPECT_NE(info.status().message().find(what), std::string::npos) << info.status().ToString();
    auto reader = VideoReader::Open(p);
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(reader.status().code(), StatusCode::kInvalidArgument) << reader.status().ToString();
  }
  VideoOutput Output() const { return VideoOutput{64, 48, Rational{25, 1}, "yuv420p"}; }
};

TEST_F(VideoErrors, DamagedOrWrongFilesAreRefusedNamingTheFile) {
  const fs::path clip = MakeClip("clip.mp4", 1);
  const fs::path half = dir_ / "half.mp4";
  fs::copy_file(clip, half);
  fs::resize_file(half, fs::file_size(clip) / 2);  // the index (moov) is at the end: gone
  ExpectRefused(half, "half.mp4");
  ExpectRefused(WriteFile("empty.mp4", ""), "is empty");
  ExpectRefused(WriteFile("notes.mp4", "these are my notes, not a video\n"), "notes.mp4");
  const fs::path sound = dir_ / "sound.m4a";
  FF_MAKE_CLIP("-f lavfi -i sine=duration=1 -c:a aac " + video_test::Shell(sound));
  ExpectRefused(sound, "has no video stream");
  ExpectRefused(dir_, "is a folder");
  auto missing = ProbeVideo(dir_ / "missing.mp4");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

TEST_F(VideoErrors, ForgedHugeSizesAreRefusedBeforeDecoding) {
  ExpectRefused(WriteFile("huge.y4m", "YUV4MPEG2 W100000 H100000 F25:1\nFRAME\n" + std::string(4096, 'x')),
                "huge.y4m");
  ExpectRefused(WriteFile("wide.y4m", "YUV4MPEG2 W20000 H16 F25:1 C420jpeg\nFRAME\n" + std::string(4096, 'x')),
                "over the limit");
  VideoLimits tight;
  tight.max_side = 100;
  auto info = ProbeVideo(MakeClip("clip.mp4", 1, "320x240", 25, false), tight);
  EXPECT_EQ(info.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(info.status().message().find("320x240"), std::string::npos) << info.status().ToString();
}

TEST_F(VideoErrors, MediaKindComesFromContentNotExtension) {
  const fs::path photo = test_fixtures::FixturesDir() / "media" / "images" / "obama_small.jpg";
  FF_REQUIRE_FIXTURES(photo);
  const fs::path jpg_as_mp4 = dir_ / "photo.mp4";
  fs::copy_file(photo, jpg_as_mp4);
  EXPECT_EQ(DetectMediaKind(jpg_as_mp4).value(), MediaKind::kImage);
  const fs::path mp4_as_jpg = dir_ / "clip.jpg";
  fs::copy_file(MakeClip("clip.mp4", 1, "320x240", 25, false), mp4_as_jpg);
  EXPECT_EQ(DetectMediaKind(mp4_as_jpg).value(), MediaKind::kVideo);
  const fs::path zoom = dir_ / "zoom.mp4";  // a photo made into a clip
  FF_MAKE_CLIP("-loop 1 -i " + video_test::Shell(photo) +
               " -vf zoompan=z='1+0.01*on':d=25:s=160x120 -frames:v 10 -c:v libx264 -preset ultrafast " +
               video_test::Shell(zoom));
  EXPECT_EQ(DetectMediaKind(zoom).value(), MediaKind::kVideo);
  const fs::path sound = dir_ / "sound.m4a";
  FF_MAKE_CLIP("-f lavfi -i sine=duration=1 -c:a aac " + video_test::Shell(sound));
  EXPECT_EQ(DetectMediaKind(sound).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DetectMediaKind(WriteFile("empty.jpg", "")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DetectMediaKind(dir_ / "missing.mp4").status().code(), StatusCode::kNotFound);
  EXPECT_STREQ(MediaKindName(MediaKind::kVideo), "video");
}

TEST_F(VideoErrors, WriterLeavesNothingWithoutFinish) {
  const fs::path out = dir_ / "out.mp4";
  {
    auto writer = VideoWriter::Open(out, Output());
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ASSERT_TRUE((*writer)->Write(cv::Mat(48, 64, CV_8UC3, cv::Scalar(10, 200, 30)), 0.0).ok());
    EXPECT_EQ(Listing(dir_).size(), 1u) << "the temporary file, beside the requested one";
    EXPECT_FALSE(fs::exists(out));
  }
  EXPECT_TRUE(Listing(dir_).empty()) << Listing(dir_).front();
}

TEST_F(VideoErrors, WriterInAMissingFolderFailsAtOpen) {
  auto writer = VideoWriter::Open(dir_ / "no_such_folder" / "out.mp4", Output());
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIoError) << writer.status().ToString();
  EXPECT_NE(writer.status().message().find("no_such_folder"), std::string::npos);
}

TEST_F(VideoErrors, FinishFailingLeavesNothing) {
  const fs::path folder = dir_ / "gone";
  fs::create_directories(folder);
  auto writer = VideoWriter::Open(folder / "out.mp4", Output());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*writer)->Write(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(i * 40)), i * 0.04).ok());
  }
  fs::remove_all(folder);
  const Status finished = (*writer)->Finish();
  EXPECT_EQ(finished.code(), StatusCode::kIoError) << finished.ToString();
  writer->reset();
  EXPECT_FALSE(fs::exists(folder));
}

// A full disk, as the process sees it: past RLIMIT_FSIZE a write fails with EFBIG (SIGXFSZ ignored).
TEST_F(VideoErrors, FullDiskIsAnIoErrorAndLeavesNothing) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  Status status;
  {
    auto writer = VideoWriter::Open(dir_ / "out.mkv", VideoOutput{320, 240, Rational{25, 1}, "yuv420p"},
                                    video_test::Encode("libx264", "ultrafast", "", 100));
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    cv::Mat noise(240, 320, CV_8UC3);
    for (int i = 0; i < 100 && status.ok(); ++i) {
      cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(255));
      status = (*writer)->Write(noise, i * 0.04);
    }
    if (status.ok()) status = (*writer)->Finish();
  }
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_EQ(status.code(), StatusCode::kIoError) << status.ToString();
  EXPECT_NE(status.message().find("out.mkv"), std::string::npos) << status.ToString();
  EXPECT_TRUE(Listing(dir_).empty());
}

TEST_F(VideoErrors, WriterRefusesBadRequestsAndFrames) {
  auto code = [&](const fs::path& p, const VideoOutput& o, const VideoEncodeOptions& e) {
    return VideoWriter::Open(p, o, e).status().code();
  };
  EXPECT_EQ(code(dir_ / "out.txt", Output(), {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(dir_ / "out.mp4", Output(), video_test::Encode("mpeg2video")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(dir_ / "out.mp4", Output(), video_test::Encode("libx264", "", "", 101)), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(dir_ / "out.webm", Output(), video_test::Encode("libx265")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(dir_ / "out.mp4", VideoOutput{0, 48, Rational{25, 1}, ""}, {}), StatusCode::kInvalidArgument);
  auto bad_audio = VideoWriter::Open(dir_ / "out.mp4", Output(), {}, AudioSource{dir_ / "missing.mp4"});
  EXPECT_EQ(bad_audio.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_audio.status().message().find("missing.mp4"), std::string::npos);
  EXPECT_TRUE(Listing(dir_).empty());
  auto writer = VideoWriter::Open(dir_ / "out.mp4", Output());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ((*writer)->Write(cv::Mat(48, 65, CV_8UC3), 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*writer)->Write(cv::Mat(48, 64, CV_8UC1), 0).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE((*writer)->Write(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(0)), 0.04).ok());
  EXPECT_EQ((*writer)->Write(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(0)), 0.04).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE(fs::exists(dir_ / "out.mp4"));
  EXPECT_EQ(Listing(dir_).size(), 1u);
}

TEST(VideoQuality, MapsToCrfAsFaceFusionDoes) {
  EXPECT_EQ(QualityToCrf("libx264", 100), 0);
  EXPECT_EQ(QualityToCrf("libx264", 80), 10);
  EXPECT_EQ(QualityToCrf("libx264", 0), 51);
  EXPECT_EQ(QualityToCrf("libx265", 50), 26);  // 25.5 rounds up
  EXPECT_EQ(QualityToCrf("h264_nvenc", 80), 10);
  EXPECT_EQ(QualityToCrf("libvpx-vp9", 100), 0);
  EXPECT_EQ(QualityToCrf("libvpx-vp9", 80), 13);
  EXPECT_EQ(QualityToCrf("libvpx-vp9", 0), 63);
  EXPECT_TRUE(IsKnownVideoEncoder("hevc_nvenc"));
  EXPECT_FALSE(IsKnownVideoEncoder("mpeg4"));
}

TEST(VideoSpan, ParsesFramesAndTimes) {
  auto seconds = [](std::string_view text) {
    auto p = ParseVideoPosition(text);
    EXPECT_TRUE(p.ok()) << text << ": " << p.status().ToString();
    return p.ok() ? PositionSeconds(*p, Rational{25, 1}) : -1.0;
  };
  EXPECT_TRUE(ParseVideoPosition("150")->is_frame);
  EXPECT_DOUBLE_EQ(seconds("150"), 6.0);
  EXPECT_DOUBLE_EQ(seconds("0"), 0.0);
  EXPECT_FALSE(ParseVideoPosition("2.5s")->is_frame);
  EXPECT_DOUBLE_EQ(seconds("2.5s"), 2.5);
  EXPECT_DOUBLE_EQ(seconds("1:02.5"), 62.5);
  EXPECT_DOUBLE_EQ(seconds("00:01:02.5"), 62.5);
  EXPECT_DOUBLE_EQ(seconds("1:00:00"), 3600.0);
  for (std::string_view bad : {"", "-1", "-2.5s", "1:75", "150.5", "2.5m", "s", "1:2:3:4", "abc", "1::2", "1.5:00"}) {
    auto p = ParseVideoPosition(bad);
    ASSERT_FALSE(p.ok()) << "'" << bad << "' was accepted";
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find("'" + std::string(bad) + "'"), std::string::npos) << p.status().message();
  }
}

}  // namespace
}  // namespace facefuse::media
