#include "job/detect_runner.h"

#include "common/paths.h"
#include "face/detect/detector.h"
#include "media/image_io.h"

namespace facefuse::job {
namespace {

// Records an error: on the image (when given), as the job's first error (`first`), in the metrics.
void Fail(Status& first, ImageFaces* image, const Status& status, JobContext& context) {
  if (image) image->status = status;
  if (first.ok()) first = status;
  (void)CountJobError(status, context);
}

// Decodes and detects one image into a new entry of job.detect_result.
void DetectImage(const std::filesystem::path& path, face::FaceDetector& detector, Job& job, JobContext& context,
                 Status& first) {
  telemetry::Metrics* metrics = context.metrics;
  const std::string_view kind = MetricsKind(job.kind);
  ImageFaces& r = job.detect_result.images.emplace_back();
  r.image = path;
  Result<cv::Mat> image = Status(StatusCode::kInternal, "not decoded");
  {
    StageScope stage("decode", job, context);
    image = media::LoadImageBgr(path);
  }
  if (!image.ok()) return Fail(first, &r, image.status(), context);
  r.width = image->cols;
  r.height = image->rows;
  if (metrics) metrics->ObserveInputPixels(kind, static_cast<double>(r.width) * r.height);
  Result<std::vector<DetectedFace>> faces = Status(StatusCode::kInternal, "not detected");
  {
    StageScope stage("detect", job, context);
    faces = detector.Detect(*image);
  }
  if (!faces.ok()) return Fail(first, &r, faces.status().WithContext(path.string()), context);
  ++job.frames;
  if (metrics) metrics->AddFrames(kind, 1);
  r.faces = std::move(faces).value();
  job.detect_result.faces += static_cast<int>(r.faces.size());
  if (metrics) metrics->AddFacesDetected(static_cast<double>(r.faces.size()));
}

}  // namespace

Status DetectRunner::Run(Job& job, JobContext& context) const {
  const DetectSpec& spec = job.detect;
  Status first;
  const std::filesystem::path model =
      spec.model.empty() ? BundledModelsDir() / "face_detection_yunet_2023mar.onnx" : spec.model;
  std::unique_ptr<face::FaceDetector> detector;
  {
    StageScope stage("model_load", job, context);
    stage.set_model(model.stem().string());
    face::DetectorOptions dopts;
    dopts.score_threshold = spec.score_threshold;
    dopts.threads = spec.threads;
    auto d = face::OpenYuNet(model, dopts);
    if (d.ok()) {
      detector = std::move(d).value();
    } else {
      Fail(first, nullptr, d.status(), context);
    }
  }
  if (!detector) return first;
  if (spec.images.empty()) Fail(first, nullptr, InvalidArgument("the job has no images"), context);
  job.progress.items_total = static_cast<int>(spec.images.size());
  for (const auto& path : spec.images) {
    DetectImage(path, *detector, job, context, first);
    ++job.progress.items_done;  // done, whatever its outcome
    if (context.on_update) context.on_update(job);
  }
  return first;
}

}  // namespace facefuse::job
