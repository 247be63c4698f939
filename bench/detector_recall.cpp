// facefuse-detector-recall: how many of SCRFD-2.5G's faces YuNet finds (IoU
// >= 0.5) on every fixture photo and on the photo tiled 3 x 3 (small faces),
// and how many faces it reports on face-free images, at several score
// thresholds and at its default (candidates >= 0.5 with the crop check,
// face/detector.h). Prints Markdown tables (docs/benchmarks.md, "Default detector").
//
//   facefuse-detector-recall [--fixtures DIR] [--yunet MODEL] [--negatives DIR]... [--thresholds 0.9,0.8,...]
//
// References: SCRFD-2.5G (recall) and RetinaFace MobileNet-0.25 (both at their
// default 0.5) from the fixtures. Face-free images: the strips of each fixture
// photo away from every face either reference finds (FaceFreeStrips), the
// synthetic textures, and every image in each --negatives folder (which must
// hold no face; bench/detector_recall.sh fetches such photos from Debian).
// YuNet runs once per image at the lowest threshold; a higher threshold keeps
// the faces scoring at least that much, which is exactly what the detector
// returns at that threshold (a face below it never suppresses one above it).
// Exit code 0, 1 on an error (printed), 2 on bad usage.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bench/detector_recall.h"
#include "face/detect/detector.h"
#include "media/image_io.h"

namespace {

namespace fs = std::filesystem;
using facefuse::DetectedFace;

struct Options {
  std::string fixtures = FACEFUSE_SOURCE_DIR "/../shared/fixtures";
  std::string yunet;  // empty: the bundled model
  std::vector<std::string> negatives;
  std::vector<float> thresholds = {0.9f, 0.85f, 0.8f, 0.75f, 0.7f, 0.6f, 0.5f};
  int tile = 3;
  int threads = 2;
};

struct Detectors {
  // yunet: plain thresholds (run at the lowest); yunet_default: the default
  // (candidates >= 0.5, the crop check below 0.9).
  std::unique_ptr<facefuse::face::FaceDetector> yunet, yunet_default, scrfd, retina;
};

std::vector<DetectedFace> AtLeast(const std::vector<DetectedFace>& faces, float threshold) {
  std::vector<DetectedFace> kept;
  for (const DetectedFace& f : faces)
    if (f.score >= threshold) kept.push_back(f);
  return kept;
}

std::string Scores(const std::vector<DetectedFace>& faces) {
  std::string s;
  char buf[16];
  for (const DetectedFace& f : faces) {
    std::snprintf(buf, sizeof buf, "%s%.3f", s.empty() ? "" : " ", f.score);
    s += buf;
  }
  return s.empty() ? "-" : s;
}

// Recall rows: one per image; `matched[t]` summed into `total`.
struct RecallTable {
  std::vector<std::string> rows;
  size_t reference = 0;
  std::vector<size_t> matched;
};

bool Fail(const facefuse::Status& s) {
  std::fprintf(stderr, "detector-recall: %s\n", s.ToString().c_str());
  return false;
}

bool AddRecallRow(Detectors& d, const Options& o, const std::string& name, const cv::Mat& image, RecallTable& table,
                  std::vector<DetectedFace>* references_out) {
  auto scrfd = d.scrfd->Detect(image);
  auto retina = d.retina->Detect(image);
  auto yunet = d.yunet->Detect(image);
  auto by_default = d.yunet_default->Detect(image);
  if (!scrfd.ok()) return Fail(scrfd.status());
  if (!retina.ok()) return Fail(retina.status());
  if (!yunet.ok()) return Fail(yunet.status());
  if (!by_default.ok()) return Fail(by_default.status());
  float lowest = 1;
  for (const DetectedFace& f : *scrfd) lowest = std::min(lowest, f.score);
  std::vector<DetectedFace> unsure;  // what OpenCV's 0.9 drops
  for (const DetectedFace& f : *yunet)
    if (f.score < 0.9f) unsure.push_back(f);
  char low[16];
  std::snprintf(low, sizeof low, "%.3f", lowest);
  std::string row = "| " + name + " | " + std::to_string(scrfd->size()) + " (" + (scrfd->empty() ? "-" : low) +
                    ") | " + std::to_string(retina->size()) + " | " + Scores(unsure) + " |";
  table.reference += scrfd->size();
  table.matched.resize(o.thresholds.size() + 1);
  for (size_t t = 0; t <= o.thresholds.size(); ++t) {
    const auto kept = t < o.thresholds.size() ? AtLeast(*yunet, o.thresholds[t]) : *by_default;
    const size_t matched = facefuse::bench::MatchedFaces(*scrfd, kept);
    table.matched[t] += matched;
    row += " " + std::to_string(matched) + "/" + std::to_string(scrfd->size());
    if (kept.size() > matched) row += " +" + std::to_string(kept.size() - matched);
    row += " |";
  }
  table.rows.push_back(row);
  if (references_out) {
    *references_out = *scrfd;
    references_out->insert(references_out->end(), retina->begin(), retina->end());
  }
  return true;
}

void PrintRecall(const Options& o, const char* title, const RecallTable& table) {
  std::printf("\n### %s\n\n| photo | SCRFD-2.5G faces (lowest score) | RetinaFace faces | YuNet scores < 0.9 |", title);
  for (float t : o.thresholds) std::printf(" YuNet %.2f |", t);
  std::printf(" YuNet default |\n|---|---|---|---|---|");
  for (size_t t = 0; t < o.thresholds.size(); ++t) std::printf("---|");
  std::printf("\n");
  for (const std::string& r : table.rows) std::printf("%s\n", r.c_str());
  std::printf("| **recall** | %zu | | |", table.reference);
  for (size_t m : table.matched)
    std::printf(" **%zu/%zu (%.0f %%)** |", m, table.reference, table.reference ? 100.0 * m / table.reference : 0.0);
  std::printf("\n");
}

// A face-free image: its YuNet faces (lowest threshold) and what the
// references say about it (they should find nothing).
struct Negative {
  std::string set, name;
  std::vector<DetectedFace> yunet, by_default;
  size_t reference_faces = 0;
};

bool AddNegative(Detectors& d, const std::string& set, const std::string& name, const cv::Mat& image,
                 std::vector<Negative>& out) {
  auto yunet = d.yunet->Detect(image);
  auto by_default = d.yunet_default->Detect(image);
  auto scrfd = d.scrfd->Detect(image);
  auto retina = d.retina->Detect(image);
  if (!yunet.ok()) return Fail(yunet.status());
  if (!by_default.ok()) return Fail(by_default.status());
  if (!scrfd.ok()) return Fail(scrfd.status());
  if (!retina.ok()) return Fail(retina.status());
  out.push_back({set, name, *yunet, *by_default, scrfd->size() + retina->size()});
  return true;
}

void PrintNegatives(const Options& o, const std::vector<Negative>& negatives) {
  std::map<std::string, size_t> images;
  std::vector<std::string> sets;
  for (const Negative& n : negatives)
    if (images[n.set]++ == 0) sets.push_back(n.set);
  std::printf("\n### False positives on face-free images\n\n| set | images |");
  for (float t : o.thresholds) std::printf(" YuNet %.2f |", t);
  std::printf(" YuNet default |\n|---|---|---|");
  for (size_t t = 0; t < o.thresholds.size(); ++t) std::printf("---|");
  std::printf("\n");
  for (const std::string& set : sets) {
    std::printf("| %s | %zu |", set.c_str(), images[set]);
    for (float t : o.thresholds) {
      size_t fp = 0;
      for (const Negative& n : negatives)
        if (n.set == set) fp += AtLeast(n.yunet, t).size();
      std::printf(" %zu |", fp);
    }
    size_t fp = 0;
    for (const Negative& n : negatives)
      if (n.set == set) fp += n.by_default.size();
    std::printf(" %zu |\n", fp);
  }
  std::printf("\nYuNet faces on face-free images at >= %.2f:\n\n", o.thresholds.back());
  for (const Negative& n : negatives) {
    const auto kept = AtLeast(n.yunet, o.thresholds.back());
    if (!kept.empty())
      std::printf("- %s / %s: %s%s\n", n.set.c_str(), n.name.c_str(), Scores(kept).c_str(),
                  n.by_default.empty() ? "" : (" (default keeps " + Scores(n.by_default) + ")").c_str());
    if (n.reference_faces)
      std::printf("- NOTE %s / %s: the reference detectors find %zu face(s) here\n", n.set.c_str(), n.name.c_str(),
                  n.reference_faces);
  }
}

bool IsImage(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".webp";
}

std::vector<fs::path> ImagesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && IsImage(e.path())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

int Run(const Options& o) {
  namespace face = facefuse::face;
  const fs::path fixtures = o.fixtures;
  face::DetectorOptions low;
  low.threads = o.threads;
  low.score_threshold = *std::min_element(o.thresholds.begin(), o.thresholds.end());
  face::DetectorOptions reference;
  reference.threads = o.threads;
  Detectors d;
  auto yunet = face::OpenDetector("yunet", o.yunet, low);
  auto yunet_default = face::OpenDetector("yunet", o.yunet, reference);
  auto scrfd = face::OpenDetector("scrfd", fixtures / "models/scrfd_2.5g/model.onnx", reference);
  auto retina = face::OpenDetector("retinaface", fixtures / "models/retinaface_mnet025/model.onnx", reference);
  if (!yunet.ok()) return Fail(yunet.status()), 1;
  if (!yunet_default.ok()) return Fail(yunet_default.status()), 1;
  if (!scrfd.ok()) return Fail(scrfd.status()), 1;
  if (!retina.ok()) return Fail(retina.status()), 1;
  d.yunet = std::move(*yunet);
  d.yunet_default = std::move(*yunet_default);
  d.scrfd = std::move(*scrfd);
  d.retina = std::move(*retina);

  RecallTable photos, tiled;
  std::vector<Negative> negatives;
  for (const fs::path& path : ImagesIn(fixtures / "media/images")) {
    const std::string name = path.filename().string();
    std::fprintf(stderr, "%s\n", name.c_str());
    auto image = facefuse::media::LoadImageBgr(path);
    if (!image.ok()) return Fail(image.status()), 1;
    std::vector<DetectedFace> faces;
    if (!AddRecallRow(d, o, name, *image, photos, &faces)) return 1;
    if (!AddRecallRow(d, o, name + " tiled " + std::to_string(o.tile) + "x" + std::to_string(o.tile),
                      facefuse::bench::Tiled(*image, o.tile), tiled, nullptr))
      return 1;
    for (const cv::Rect& r : facefuse::bench::FaceFreeStrips(image->size(), faces)) {
      const std::string crop = name + " [" + std::to_string(r.x) + "," + std::to_string(r.y) + " " +
                               std::to_string(r.width) + "x" + std::to_string(r.height) + "]";
      if (!AddNegative(d, "fixture photo strips", crop, (*image)(r).clone(), negatives)) return 1;
    }
  }
  for (const auto& [name, texture] : facefuse::bench::SyntheticTextures())
    if (!AddNegative(d, "synthetic textures", name, texture, negatives)) return 1;
  for (const std::string& dir : o.negatives)
    for (const fs::path& path : ImagesIn(dir)) {
      auto image = facefuse::media::LoadImageBgr(path);
      if (!image.ok()) {
        std::fprintf(stderr, "skipping %s: %s\n", path.c_str(), image.status().ToString().c_str());
        continue;
      }
      if (!AddNegative(d, "photos in " + fs::path(dir).filename().string(), path.filename().string(), *image, negatives))
        return 1;
    }

  std::printf("YuNet (%s) against SCRFD-2.5G: SCRFD faces YuNet finds at IoU >= %.1f (\"+k\": YuNet faces SCRFD "
              "lacks).\n",
              o.yunet.empty() ? "bundled face_detection_yunet_2023mar.onnx" : o.yunet.c_str(),
              facefuse::bench::kMatchIoU);
  PrintRecall(o, "Fixture photos", photos);
  PrintRecall(o, ("Fixture photos tiled " + std::to_string(o.tile) + "x" + std::to_string(o.tile) + " (small faces)").c_str(),
              tiled);
  PrintNegatives(o, negatives);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Recall of the YuNet detector against SCRFD-2.5G, and its false positives on face-free images"};
  app.add_option("--fixtures", o.fixtures, "Fixtures folder (models/, media/images/)")->capture_default_str();
  app.add_option("--yunet", o.yunet, "YuNet model (default: the bundled one)");
  app.add_option("--negatives", o.negatives, "A folder of face-free images (repeatable)");
  app.add_option("--thresholds", o.thresholds, "YuNet score thresholds, comma-separated")->delimiter(',');
  app.add_option("--tile", o.tile, "Tiles per side of the small-face variant")->check(CLI::Range(1, 8))->capture_default_str();
  app.add_option("--threads", o.threads, "Kernel threads")->check(CLI::Range(0, 64))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.thresholds.empty()) return 2;
  return Run(o);
}
