// Test clips for the video I/O tests, made at test time with the ffmpeg
// program (lavfi sources) in a per-test folder, and ffprobe's view of a file
// as JSON. Without ffmpeg on PATH the tests skip, and fail under CI=true.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "media/video_reader.h"
#include "media/video_writer.h"
#include "tests/unit/fault_env.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::media::video_test {

namespace fs = std::filesystem;

inline bool HaveFfmpegTools() {
  static const bool found = std::system("ffmpeg -version >/dev/null 2>&1") == 0 &&
                            std::system("ffprobe -version >/dev/null 2>&1") == 0;
  return found;
}

// Runs a shell command; its exit status.
inline int Run(const std::string& command) { return std::system(command.c_str()); }

inline std::string Shell(const fs::path& p) { return "'" + p.string() + "'"; }

// ffmpeg, quiet and overwriting, with `arguments`; the test fails when it does.
#define FF_MAKE_CLIP(arguments) \
  ASSERT_EQ(::facefuse::media::video_test::Run("ffmpeg -nostdin -v error -y " + std::string(arguments)), 0) << (arguments)

// ffprobe -show_format -show_streams -count_packets of `path`, parsed; null when ffprobe fails.
inline nlohmann::json Probe(const fs::path& path) {
  const std::string command = "ffprobe -v error -of json -show_format -show_streams -count_packets " + Shell(path);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return nullptr;
  std::string text;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) text.append(buffer, n);
  if (pclose(pipe) != 0) return nullptr;
  return nlohmann::json::parse(text, nullptr, false);
}

// The first stream of `type` ("video", "audio") in Probe's output; null when none.
inline nlohmann::json StreamOf(const nlohmann::json& probe, const std::string& type) {
  if (!probe.is_object()) return nullptr;
  for (const auto& stream : probe["streams"]) {
    if (stream.value("codec_type", "") == type) return stream;
  }
  return nullptr;
}

inline double Number(const nlohmann::json& stream, const std::string& key) {
  return stream.is_object() && stream.contains(key) ? std::stod(stream[key].get<std::string>()) : -1.0;
}

// Encoder options by name (the struct has fields without initialisers of their own).
inline VideoEncodeOptions Encode(const std::string& encoder, const std::string& preset = "",
                                 const std::string& pixel_format = "", int quality = 80) {
  VideoEncodeOptions options;
  options.encoder = encoder;
  options.preset = preset;
  options.pixel_format = pixel_format;
  options.quality = quality;
  return options;
}

// A folder per test, and ffmpeg required.
class VideoClipTest : public testing_env::TempDirTest {
 protected:
  VideoClipTest() : TempDirTest("video_io") {}
  void SetUp() override {
    TempDirTest::SetUp();
    if (HaveFfmpegTools()) return;
    if (test_fixtures::MissingFixtureFails()) FAIL() << "ffmpeg/ffprobe not on PATH (CI=true: they must be)";
    GTEST_SKIP() << "ffmpeg/ffprobe not on PATH";
  }

  // `seconds` of testsrc2 at `size` and `rate`, with a 440 Hz tone in AAC unless `audio` is false (H.264, MP4).
  fs::path MakeClip(const std::string& name, double seconds = 2, const std::string& size = "320x240",
                    int rate = 25, bool audio = true, const std::string& extra = "") {
    const fs::path p = dir_ / name;
    const std::string duration = std::to_string(seconds);
    std::string args = "-f lavfi -i testsrc2=size=" + size + ":rate=" + std::to_string(rate) + ":duration=" + duration;
    if (audio) args += " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=" + duration + " -c:a aac";
    args += " -c:v libx264 -preset ultrafast " + extra + " " + Shell(p);
    EXPECT_EQ(video_test::Run("ffmpeg -nostdin -v error -y " + args), 0) << args;
    return p;
  }

  struct Copied {
    int64_t frames = 0;
    std::vector<std::string> warnings;
    std::string encoder;
  };

  // Reads every frame of `in` (in the span of `read`) and writes it to `out` with the audio of `audio`.
  Result<Copied> Copy(const fs::path& in, const fs::path& out, const VideoReadOptions& read = {},
                      const VideoEncodeOptions& encode = {}, const AudioSource& audio = {}) {
    FF_ASSIGN_OR_RETURN(auto reader, VideoReader::Open(in, read));
    const VideoInfo& info = reader->info();
    VideoOutput output{info.width, info.height, info.frame_rate, info.pixel_format};
    FF_ASSIGN_OR_RETURN(auto writer, VideoWriter::Open(out, output, encode, audio));
    Copied copied;
    VideoFrame frame;
    for (;;) {
      FF_ASSIGN_OR_RETURN(const bool more, reader->Read(&frame));
      if (!more) break;
      FF_RETURN_IF_ERROR(writer->Write(frame.bgr, frame.time_s));
      ++copied.frames;
    }
    FF_RETURN_IF_ERROR(writer->Finish());
    copied.warnings = writer->warnings();
    copied.encoder = writer->encoder();
    return copied;
  }

  // The names in dir_ (to see that no file and no .part is left).
  std::vector<std::string> Listing(const fs::path& folder) const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
    return names;
  }
};

}  // namespace facefuse::media::video_test
