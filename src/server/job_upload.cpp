#include "server/job_upload.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "media/image_io.h"
#include "media/video_info.h"

namespace facefuse::server {
namespace {

std::string ExtensionFor(media::ImageFormat format) {
  switch (format) {
    case media::ImageFormat::kJpeg: return ".jpg";
    case media::ImageFormat::kPng: return ".png";
    case media::ImageFormat::kWebp: return ".webp";
    case media::ImageFormat::kBmp: return ".bmp";
  }
  return ".img";
}

// `status` with every mention of `path` replaced by `label`: errors name the part, not the server's files.
Status Relabel(const Status& status, const std::filesystem::path& path, const std::string& label) {
  std::string message = status.message();
  const std::string needle = path.string();
  for (size_t at = message.find(needle); at != std::string::npos; at = message.find(needle, at + label.size())) {
    message.replace(at, needle.size(), label);
  }
  return Status(status.code(), message);
}

}  // namespace

Result<std::unique_ptr<JobUpload>> JobUpload::Begin(const std::filesystem::path& data_dir, uint64_t max_bytes,
                                                    std::shared_ptr<MemoryBudget> decode_budget) {
  std::string pattern = (data_dir / "job-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return IoError("cannot create a job folder in " + data_dir.string() + ": " + std::strerror(errno));
  }
  return std::unique_ptr<JobUpload>(new JobUpload(pattern, max_bytes, std::move(decode_budget)));
}

JobUpload::JobUpload(std::filesystem::path folder, uint64_t max_bytes, std::shared_ptr<MemoryBudget> decode_budget)
    : folder_(std::move(folder)), max_bytes_(max_bytes), decode_budget_(std::move(decode_budget)) {}

JobUpload::~JobUpload() {
  CloseFile();
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

void JobUpload::CloseFile() {
  if (file_ == nullptr) return;
  if (std::fclose(file_) != 0 && error_.ok()) error_ = IoError("cannot write an upload: " + std::string(std::strerror(errno)));
  file_ = nullptr;
}

bool JobUpload::BeginPart(const std::string& name) {
  CloseFile();
  in_options_ = false;
  dropping_ = false;
  const auto refuse = [this](std::string why) {
    if (error_.ok()) {
      error_ = InvalidArgument(std::move(why));
      usage_error_ = true;
    }
    dropping_ = true;
    return true;
  };
  if (name == "options") {
    if (++options_parts_ > 1) return refuse("the request has more than one options part");
    in_options_ = true;
    return true;
  }
  if (name != "source" && name != "target") {
    return refuse("unknown part \"" + name + "\" (a job takes source, target and options parts)");
  }
  int sources = 0;
  for (const Part& part : parts_) {
    if (part.name == "target" && name == "target") return refuse("the request has more than one target part");
    sources += part.name == "source";
  }
  if (name == "source" && sources == kMaxSourceParts) {
    return refuse("the request has more than " + std::to_string(kMaxSourceParts) + " source parts");
  }
  const std::filesystem::path file = folder_ / ("part-" + std::to_string(parts_.size()) + ".upload");
  file_ = std::fopen(file.c_str(), "wbx");
  if (file_ == nullptr) {
    if (error_.ok()) error_ = IoError("cannot store an upload: " + std::string(std::strerror(errno)));
    dropping_ = true;
    return true;
  }
  parts_.push_back({name, file});
  return true;
}

void JobUpload::set_deadline_seconds(double seconds) {
  if (seconds <= 0) return;
  deadline_ = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

bool JobUpload::Append(const char* data, size_t size) {
  if (std::chrono::steady_clock::now() > deadline_) {
    timed_out_ = true;
    return false;
  }
  received_ += size;
  if (received_ > max_bytes_) {
    over_limit_ = true;
    return false;
  }
  if (dropping_) return true;
  if (in_options_) {
    if (options_.size() + size > kMaxOptionsBytes) {
      dropping_ = true;
      if (error_.ok()) error_ = InvalidArgument("the options part is over " + std::to_string(kMaxOptionsBytes) + " bytes");
      usage_error_ = true;
      return true;
    }
    options_.append(data, size);
    return true;
  }
  if (file_ != nullptr && std::fwrite(data, 1, size, file_) != size) {
    if (error_.ok()) error_ = IoError("cannot store an upload: " + std::string(std::strerror(errno)));
    CloseFile();
    dropping_ = true;
  }
  return true;
}

Status JobUpload::CheckShape() const {
  bool target = false, source = false;
  for (const Part& part : parts_) {
    target |= part.name == "target";
    source |= part.name == "source";
  }
  if (!target) return InvalidArgument("the request has no target part (the image to swap faces in)");
  if (!source) return InvalidArgument("the request has no source part (an image of the face to put in)");
  return Status::Ok();
}

Result<std::filesystem::path> JobUpload::CheckAndRename(const Part& part, const std::string& label,
                                                        const std::string& stem) {
  media::ImageLimits limits;
  limits.budget = decode_budget_;
  Result<media::Image> image = media::LoadImage(part.file, limits);
  if (!image.ok()) return Relabel(image.status(), part.file, label);
  const std::filesystem::path named = folder_ / (stem + ExtensionFor(image->format));
  std::error_code error;
  std::filesystem::rename(part.file, named, error);
  if (error) return IoError("cannot store the " + label + " part: " + error.message());
  return named;
}

Result<std::filesystem::path> JobUpload::CheckVideoAndRename(const Part& part) {
  Result<media::VideoInfo> info = media::ProbeVideo(part.file);
  if (!info.ok()) return Relabel(info.status(), part.file, "the target part");
  if (info->duration_s > max_video_seconds_) {
    char text[96];
    std::snprintf(text, sizeof text, "the target video lasts %.1f s, over the limit of %.0f s", info->duration_s,
                  max_video_seconds_);
    return InvalidArgument(text);
  }
  const std::string& container = info->container;
  const char* ext = container.find("webm") != std::string::npos && info->codec != "h264" ? ".webm"
                    : container.find("matroska") != std::string::npos                  ? ".mkv"
                    : container.find("mp4") != std::string::npos                       ? ".mp4"
                                                                                        : ".video";
  const std::filesystem::path named = folder_ / (std::string("target") + ext);
  std::error_code error;
  std::filesystem::rename(part.file, named, error);
  if (error) return IoError("cannot store the target part: " + error.message());
  return named;
}

Result<JobFiles> JobUpload::Finish() {
  CloseFile();
  if (!error_.ok()) return error_;
  if (Status shape = CheckShape(); !shape.ok()) {
    usage_error_ = true;
    return shape;
  }
  JobFiles files;
  files.folder = folder_;
  files.options = options_;
  int sources = 0;
  for (const Part& part : parts_) {
    if (part.name == "target") {
      Result<media::MediaKind> kind = media::DetectMediaKind(part.file);
      if (max_video_seconds_ > 0 && !kind.ok() && kind.status().message().find("has no video stream") != std::string::npos) {
        return InvalidArgument("the target part has no video stream (audio only?): it is neither an image nor a video");
      }
      files.target_is_video = max_video_seconds_ > 0 && kind.ok() && *kind == media::MediaKind::kVideo;
      if (files.target_is_video) {
        FF_ASSIGN_OR_RETURN(files.target, CheckVideoAndRename(part));
        files.max_video_seconds = max_video_seconds_;  // the header's length may lie: the swap stops there too
        files.output = folder_ / "output.mp4";
      } else {
        FF_ASSIGN_OR_RETURN(files.target, CheckAndRename(part, "target", "target"));
        files.output = folder_ / ("output" + files.target.extension().string());
      }
      continue;
    }
    const std::string index = std::to_string(sources++);
    FF_ASSIGN_OR_RETURN(std::filesystem::path source, CheckAndRename(part, "source " + index, "source-" + index));
    files.sources.push_back(std::move(source));
  }
  return files;
}

}  // namespace facefuse::server
