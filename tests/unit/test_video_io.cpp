// Video reading and writing with FFmpeg's libraries: a round trip keeps the
// frame count, rate, duration, size and audio; trims cut video and audio
// alike; rotation, odd sizes and variable rates survive; the other encoders
// and containers work (and NVENC falls back where it cannot open).
// Clips are made at test time with the ffmpeg program (tests/unit/video_clips.h).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>
#include <string>

#include "media/video_info.h"
#include "media/video_reader.h"
#include "media/video_writer.h"
#include "tests/unit/video_clips.h"

namespace facefuse::media {
namespace {

using video_test::Number;
using video_test::Probe;
using video_test::StreamOf;
namespace fs = std::filesystem;

class VideoIo : public video_test::VideoClipTest {};

bool AnyWarningHas(const std::vector<std::string>& warnings, const std::string& text) {
  for (const std::string& w : warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_F(VideoIo, ProbeDescribesTheClip) {
  const fs::path clip = MakeClip("clip.mp4");
  auto info = ProbeVideo(clip);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->width, 320);
  EXPECT_EQ(info->height, 240);
  EXPECT_EQ(info->rotation, 0);
  EXPECT_DOUBLE_EQ(info->frame_rate.value(), 25.0);
  EXPECT_FALSE(info->variable_frame_rate);
  EXPECT_EQ(info->frame_count, 50);
  EXPECT_NEAR(info->duration_s, 2.0, 0.05);
  EXPECT_EQ(info->codec, "h264");
  EXPECT_EQ(info->pixel_format, "yuv420p");
  EXPECT_EQ(info->audio_streams, 1);
  EXPECT_NE(info->container.find("mp4"), std::string::npos);
}

TEST_F(VideoIo, RoundTripKeepsFramesRateDurationSizeAudioAndMetadata) {
  const fs::path clip = MakeClip("clip.mp4", 2, "320x240", 25, true, "-metadata title=Harbour");
  const fs::path out = dir_ / "out.mp4";
  auto copied = Copy(clip, out, {}, {}, AudioSource{clip});
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->frames, 50);
  const auto probe = Probe(out);
  const auto video = StreamOf(probe, "video");
  const auto audio = StreamOf(probe, "audio");
  ASSERT_TRUE(video.is_object()) << probe.dump();
  ASSERT_TRUE(audio.is_object()) << probe.dump();
  EXPECT_EQ(video["width"], 320);
  EXPECT_EQ(video["height"], 240);
  EXPECT_EQ(video["avg_frame_rate"], "25/1");
  EXPECT_NEAR(Number(video, "nb_read_packets"), 50, 1);
  EXPECT_NEAR(Number(video, "duration"), 2.0, 0.04 + 1e-9);
  EXPECT_EQ(audio["codec_name"], "aac");
  EXPECT_NEAR(Number(audio, "duration"), Number(video, "duration"), 0.05);
  EXPECT_EQ(probe["format"]["tags"].value("title", ""), "Harbour");
  EXPECT_TRUE(copied->warnings.empty()) << copied->warnings.front();
}

TEST_F(VideoIo, TrimBySecondsCutsVideoAndAudio) {
  const fs::path clip = MakeClip("clip.mp4");
  const fs::path out = dir_ / "trimmed.mp4";
  VideoReadOptions span;
  span.start_s = 0.5;
  span.end_s = 1.5;
  auto copied = Copy(clip, out, span, {}, AudioSource{clip, 0.5, 1.5});
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->frames, 25);
  const auto probe = Probe(out);
  const auto video = StreamOf(probe, "video");
  const auto audio = StreamOf(probe, "audio");
  ASSERT_TRUE(video.is_object() && audio.is_object()) << probe.dump();
  EXPECT_NEAR(Number(video, "nb_read_packets"), 25, 1);
  EXPECT_NEAR(Number(video, "duration"), 1.0, 0.04 + 1e-9);
  EXPECT_NEAR(Number(audio, "duration"), Number(video, "duration"), 0.05);
}

TEST_F(VideoIo, ReaderSpanStartsAtZeroAndPastTheEndIsEmpty) {
  const fs::path clip = MakeClip("clip.mp4", 2, "320x240", 25, false);
  VideoReadOptions span;
  span.start_s = 1.0;
  auto reader = VideoReader::Open(clip, span);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  VideoFrame frame;
  ASSERT_TRUE((*reader)->Read(&frame).value());
  EXPECT_EQ(frame.index, 0);
  EXPECT_NEAR(frame.time_s, 0.0, 1e-6);
  EXPECT_NEAR(frame.duration_s, 0.04, 1e-6);
  span.start_s = 5.0;
  auto past = VideoReader::Open(clip, span);
  ASSERT_TRUE(past.ok()) << past.status().ToString();
  auto read = (*past)->Read(&frame);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_FALSE(*read);
}

TEST_F(VideoIo, RotatedClipReadsAtItsDisplayedSize) {
  const fs::path plain = MakeClip("plain.mp4", 1, "320x240", 25, false);
  const fs::path rotated = dir_ / "rotated.mp4";
  // FFmpeg 5.1 turns the "rotate" tag into the display matrix (-display_rotation came with 6.0).
  FF_MAKE_CLIP("-i " + video_test::Shell(plain) + " -c copy -metadata:s:v rotate=90 " + video_test::Shell(rotated));
  auto info = ProbeVideo(rotated);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->width, 240);
  EXPECT_EQ(info->height, 320);
  EXPECT_TRUE(info->rotation == 90 || info->rotation == 270) << info->rotation;
  // The first frame as ffmpeg shows it (it applies the rotation itself).
  const fs::path shown = dir_ / "shown.png";
  FF_MAKE_CLIP("-i " + video_test::Shell(rotated) + " -frames:v 1 " + video_test::Shell(shown));
  auto reader = VideoReader::Open(rotated);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  VideoFrame frame;
  ASSERT_TRUE((*reader)->Read(&frame).value());
  ASSERT_EQ(frame.bgr.cols, 240);
  ASSERT_EQ(frame.bgr.rows, 320);
  const cv::Mat expected = cv::imread(shown.string());
  ASSERT_EQ(expected.size(), frame.bgr.size());
  EXPECT_LT(cv::norm(expected, frame.bgr, cv::NORM_L1) / expected.total() / 3, 6.0) << "turned the wrong way";
}

TEST_F(VideoIo, OddSizeRoundTripsExactly) {
  const fs::path clip = MakeClip("odd.mkv", 1, "320x240", 25, false, "-vf scale=321:241 -pix_fmt yuv444p");
  const fs::path out = dir_ / "odd_out.mp4";
  auto copied = Copy(clip, out, {}, video_test::Encode("libx264", "", "yuv420p"));
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  const auto video = StreamOf(Probe(out), "video");
  ASSERT_TRUE(video.is_object());
  EXPECT_EQ(video["width"], 321);
  EXPECT_EQ(video["height"], 241);
  EXPECT_EQ(video["pix_fmt"], "yuv444p");
  EXPECT_TRUE(AnyWarningHas(copied->warnings, "yuv444p"));
}

TEST_F(VideoIo, VariableRateKeepsItsFrameCount) {
  const fs::path clip = dir_ / "vfr.mp4";
  // Every frame of the first second, then every third: uneven timestamps.
  FF_MAKE_CLIP("-f lavfi -i testsrc2=size=320x240:rate=25:duration=3 -vf \"select='lt(n\\,25)+not(mod(n\\,3))'\" "
               "-vsync vfr -c:v libx264 -preset ultrafast " + video_test::Shell(clip));
  const double frames_in = Number(StreamOf(Probe(clip), "video"), "nb_read_packets");
  auto info = ProbeVideo(clip);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->variable_frame_rate);
  const fs::path out = dir_ / "vfr_out.mkv";
  auto copied = Copy(clip, out);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->frames, static_cast<int64_t>(frames_in));
  const auto video = StreamOf(Probe(out), "video");
  EXPECT_EQ(Number(video, "nb_read_packets"), frames_in);
}

TEST_F(VideoIo, WebmReencodesAacToOpus) {
  const fs::path clip = MakeClip("clip.mp4", 1);
  const fs::path out = dir_ / "out.webm";
  auto copied = Copy(clip, out, {}, video_test::Encode("libvpx-vp9"), AudioSource{clip});
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  const auto probe = Probe(out);
  EXPECT_EQ(StreamOf(probe, "video")["codec_name"], "vp9");
  EXPECT_EQ(StreamOf(probe, "audio")["codec_name"], "opus");
  EXPECT_TRUE(AnyWarningHas(copied->warnings, "re-encoded")) << probe.dump();
  EXPECT_NEAR(Number(probe["format"], "duration"), 1.0, 0.1);
}

TEST_F(VideoIo, SubtitlesAreCopiedWhereTheContainerTakesThem) {
  const fs::path clip = MakeClip("clip.mp4", 1);
  const fs::path srt = dir_ / "lines.srt";
  std::ofstream(srt) << "1\n00:00:00,100 --> 00:00:00,900\nHello\n";
  const fs::path source = dir_ / "source.mkv";
  FF_MAKE_CLIP("-i " + video_test::Shell(clip) + " -i " + video_test::Shell(srt) + " -c copy -c:s srt " +
               video_test::Shell(source));
  const fs::path mkv = dir_ / "out.mkv";
  auto kept = Copy(source, mkv, {}, {}, AudioSource{source});
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(StreamOf(Probe(mkv), "subtitle")["codec_name"], "subrip");
  const fs::path mp4 = dir_ / "out.mp4";
  auto dropped = Copy(source, mp4, {}, {}, AudioSource{source});
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_TRUE(AnyWarningHas(dropped->warnings, "subtitle"));
  EXPECT_TRUE(StreamOf(Probe(mp4), "audio").is_object());
}

TEST_F(VideoIo, Libx265Works) {
  const fs::path clip = MakeClip("clip.mp4", 1, "320x240", 25, false);
  const fs::path out = dir_ / "out.mp4";
  auto copied = Copy(clip, out, {}, video_test::Encode("libx265", "ultrafast"));
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  const auto video = StreamOf(Probe(out), "video");
  EXPECT_EQ(video["codec_name"], "hevc");
  EXPECT_NEAR(Number(video, "nb_read_packets"), 25, 1);
}

TEST_F(VideoIo, NvencFallsBackToSoftwareWithAWarning) {
  const fs::path clip = MakeClip("clip.mp4", 1, "320x240", 25, false);
  const fs::path out = dir_ / "out.mp4";
  auto copied = Copy(clip, out, {}, video_test::Encode("h264_nvenc", "p4"));
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  if (copied->encoder == "h264_nvenc") GTEST_SKIP() << "this machine has NVENC: nothing falls back";
  EXPECT_EQ(copied->encoder, "libx264");
  EXPECT_TRUE(AnyWarningHas(copied->warnings, "h264_nvenc"));
  EXPECT_EQ(StreamOf(Probe(out), "video")["codec_name"], "h264");
}

TEST_F(VideoIo, ClipCutShortEndsEarlyWithTheFramesBeforeTheCut) {
  const fs::path clip = MakeClip("whole.mp4", 2, "320x240", 25, false, "-movflags +faststart");
  const fs::path cut = dir_ / "cut.mp4";
  fs::copy_file(clip, cut);
  fs::resize_file(cut, fs::file_size(clip) * 6 / 10);
  auto reader = VideoReader::Open(cut);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  VideoFrame frame;
  int frames = 0;
  for (;;) {
    auto more = (*reader)->Read(&frame);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ++frames;
  }
  EXPECT_GT(frames, 5);
  EXPECT_LT(frames, 50);
}

}  // namespace
}  // namespace facefuse::media
