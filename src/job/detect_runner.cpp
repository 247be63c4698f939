#include "job/detect_job.h"

#include "common/paths.h"
#include "face/detect/detector.h"
#include "media/image_io.h"

namespace facefuse::job {
namespace {

// Times one stage: records its span on the job and its duration in the metrics.
class StageTimer {
 public:
  StageTimer(std::string stage, JobResult& job, telemetry::Metrics* metrics, const DetectJobOptions& options)
      : stage_(std::move(stage)), job_(job), metrics_(metrics) {
    if (options.on_stage) options.on_stage(stage_);
    start_ = report::Clock::now();
  }
  ~StageTimer() {
    const auto end = report::Clock::now();
    job_.stages.push_back({stage_, start_, end});
    const double s = std::chrono::duration<double>(end - start_).count();
    if (!metrics_) return;
    if (stage_ == "model_load") {
      metrics_->ObserveModelLoad(model_, s);
    } else {
      metrics_->ObserveStage(stage_, s);
    }
  }
  void set_model(std::string model) { model_ = std::move(model); }

 private:
  std::string stage_;
  JobResult& job_;
  telemetry::Metrics* metrics_;
  report::Clock::time_point start_;
  std::string model_;
};

void Fail(JobResult& job, ImageResult* image, const Status& status, telemetry::Metrics* metrics) {
  if (image) image->status = status;
  if (job.status.ok()) job.status = status;
  if (metrics) metrics->CountError(status);
}

}  // namespace

JobResult RunDetectJob(const DetectJobOptions& o, telemetry::Metrics* metrics) {
  JobResult job;
  job.start = report::Clock::now();
  const std::filesystem::path model =
      o.model.empty() ? BundledModelsDir() / "face_detection_yunet_2023mar.onnx" : o.model;
  std::unique_ptr<face::FaceDetector> detector;
  {
    StageTimer t("model_load", job, metrics, o);
    t.set_model(model.stem().string());
    face::DetectorOptions dopts;
    dopts.score_threshold = o.score_threshold;
    dopts.threads = o.threads;
    auto d = face::OpenYuNet(model, dopts);
    if (d.ok()) {
      detector = std::move(d).value();
    } else {
      Fail(job, nullptr, d.status(), metrics);
    }
  }
  if (detector) {
    if (o.images.empty()) Fail(job, nullptr, InvalidArgument("the job has no images"), metrics);
    for (const auto& path : o.images) {
      ImageResult& r = job.images.emplace_back();
      r.image = path;
      Result<cv::Mat> image = Status(StatusCode::kInternal, "not decoded");
      {
        StageTimer t("decode", job, metrics, o);
        image = media::LoadImageBgr(path);
      }
      if (!image.ok()) { Fail(job, &r, image.status(), metrics); continue; }
      r.width = image->cols;
      r.height = image->rows;
      if (metrics) metrics->ObserveInputPixels(job.kind, static_cast<double>(r.width) * r.height);
      Result<std::vector<DetectedFace>> faces = Status(StatusCode::kInternal, "not detected");
      {
        StageTimer t("detect", job, metrics, o);
        faces = detector->Detect(*image);
      }
      if (!faces.ok()) { Fail(job, &r, faces.status().WithContext(path.string()), metrics); continue; }
      ++job.frames;
      if (metrics) metrics->AddFrames(job.kind, 1);
      r.faces = std::move(faces).value();
      job.faces += static_cast<int>(r.faces.size());
      if (metrics) metrics->AddFacesDetected(static_cast<double>(r.faces.size()));
    }
  }
  job.end = report::Clock::now();
  if (metrics) {
    metrics->ObserveJob(job.kind, job.status.ok() ? telemetry::kOutcomeSuccess : telemetry::kOutcomeFailure,
                        job.seconds());
  }
  return job;
}

}  // namespace facefuse::job
