#include "media/video_info.h"

#include <cctype>
#include <cstdint>
#include <fstream>
#include <string_view>
#include <vector>

#include "media/image_probe.h"
#include "media/video_demux.h"

namespace facefuse::media {
namespace fs = std::filesystem;

bool HasVideoContainerName(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* known : {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".flv", ".wmv", ".mpg",
                            ".mpeg", ".ogv"})
    if (ext == known) return true;
  return false;
}

const char* MediaKindName(MediaKind kind) { return kind == MediaKind::kImage ? "image" : "video"; }

Result<MediaKind> DetectMediaKind(const fs::path& path) {
  // An image header decides on the first bytes (a JPEG's size can follow a large EXIF block, hence a whole
  // megabyte); OpenMediaFile reports a missing, empty or folder path.
  constexpr size_t kHeadBytes = size_t{1} << 20;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::vector<uint8_t> head(kHeadBytes);
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    if (!head.empty() && ProbeImage(head).ok()) return MediaKind::kImage;
  }
  FF_ASSIGN_OR_RETURN(InputFormatPtr format, OpenMediaFile(path));
  const int stream = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (stream < 0) return InvalidArgument(QuotedPath(path) + " has no video stream");
  // Not videos to swap faces in: what FFmpeg's image2 demuxer takes by the file's extension alone (a text file
  // named .jpg), text its tty demuxer shows as ANSI art, and a stream without a picture size.
  const AVCodecParameters* codec = format->streams[stream]->codecpar;
  if (std::string_view(format->iformat->name) == "image2" || codec->codec_id == AV_CODEC_ID_ANSI ||
      codec->width <= 0 || codec->height <= 0)
    return InvalidArgument(QuotedPath(path) + " is neither an image nor a video FFmpeg can read");
  return MediaKind::kVideo;
}

Result<VideoInfo> ProbeVideo(const fs::path& path, const VideoLimits& limits) {
  FF_ASSIGN_OR_RETURN(OpenedVideo video, OpenVideoFile(path, limits));
  return video.info;
}

}  // namespace facefuse::media
