// Acceptance tests for face detection on the fixture photos: the bundled
// default YuNet finds every face SCRFD 2.5G finds (IoU >= 0.5) on every photo,
// on a tiled photo with small faces, and nothing on face-free images; the
// counts of the fixtures README table for SCRFD 2.5G; RetinaFace against its
// ONNX Runtime reference; rotated passes.
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/detector_recall.h"
#include "face_fixtures.h"

namespace facefuse {
namespace {

using testing::FixtureImage;
using testing::FixtureModel;

struct ExpectedCount {
  const char* image;
  size_t eye;
  size_t scrfd;
};

// "faces (eye / YuNet / SCRFD)" of /work/shared/fixtures/README.md; the YuNet
// column there is YuNet at OpenCV's 0.9, which misses camera.png (0.873).
constexpr ExpectedCount kTable[] = {
    {"astronaut.png", 1, 1},
    {"camera.png", 1, 1},
    {"obama.jpg", 1, 1},
    {"obama_small.jpg", 1, 1},
    {"biden.jpg", 1, 1},
    {"two_people.jpg", 2, 2},
    {"blazeface_Test1.jpg", 1, 1},
    {"blazeface_Test3.jpg", 3, 3},
    {"facelandmark_Test1.jpg", 1, 1},
    {"facelandmark_Test2.jpg", 1, 0},  // SCRFD finds nothing on the face that fills the frame
    {"pexels-dinielle-de-veyra-4195444.jpg", 1, 1},
    {"pexels-tim-douglas-6567248.jpg", 1, 1},
};

face::DetectorOptions FixtureOptions() {
  face::DetectorOptions o;
  o.threads = testing::kFixtureThreads;
  return o;
}

// The zero-download default: the bundled YuNet at its default threshold.
Result<std::unique_ptr<face::FaceDetector>> OpenBundledDefault(float score_threshold = -1) {
  face::DetectorOptions o = FixtureOptions();
  o.score_threshold = score_threshold;
  return face::OpenDetector("yunet", "", o);
}

std::string Describe(const std::vector<DetectedFace>& faces) {
  std::string s;
  for (const auto& f : faces) s += " " + std::to_string(f.score).substr(0, 5);
  return s.empty() ? " -" : s;
}

// docs/benchmarks.md "Default detector": at the default threshold YuNet's
// recall against SCRFD is 100 % on every photo (at 0.9 it missed camera.png's
// 3/4-view face), and it finds no face the eye does not see.
TEST(FaceDetectionFixtures, BundledDefaultFindsEveryScrfdFaceOnEveryPhoto) {
  FF_REQUIRE_FIXTURES(FixtureModel("scrfd_2.5g"), FixtureImage("obama.jpg"));
  FF_ASSERT_OK_AND_ASSIGN(auto scrfd, face::OpenDetector("scrfd", FixtureModel("scrfd_2.5g"), FixtureOptions()));
  FF_ASSERT_OK_AND_ASSIGN(auto yunet, OpenBundledDefault());
  size_t reference = 0, matched = 0;
  for (const ExpectedCount& row : kTable) {
    SCOPED_TRACE(row.image);
    FF_ASSERT_OK_AND_ASSIGN(cv::Mat image, media::LoadImageBgr(FixtureImage(row.image)));
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> s, scrfd->Detect(image));
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> y, yunet->Detect(image));
    EXPECT_EQ(s.size(), row.scrfd);
    const size_t m = bench::MatchedFaces(s, y);
    EXPECT_EQ(m, s.size()) << "YuNet misses an SCRFD face (IoU >= 0.5)";
    EXPECT_EQ(y.size(), row.eye);
    reference += s.size();
    matched += m;
    std::printf("%-38s SCRFD %zu [%s ] YuNet %zu [%s ] matched %zu\n", row.image, s.size(), Describe(s).c_str(),
                y.size(), Describe(y).c_str(), m);
  }
  ::testing::Test::RecordProperty("yunet_recall_vs_scrfd", std::to_string(matched) + "/" + std::to_string(reference));
}

// Small faces: camera.png tiled 3 x 3 (nine 3/4-view faces of about 25 x 36
// px in the 640 input). YuNet scores them 0.785 to 0.863: at 0.9 it found none.
TEST(FaceDetectionFixtures, BundledDefaultFindsSmallNearProfileFaces) {
  FF_REQUIRE_FIXTURES(FixtureModel("scrfd_2.5g"), FixtureImage("camera.png"));
  FF_ASSERT_OK_AND_ASSIGN(auto scrfd, face::OpenDetector("scrfd", FixtureModel("scrfd_2.5g"), FixtureOptions()));
  FF_ASSERT_OK_AND_ASSIGN(auto yunet, OpenBundledDefault());
  FF_ASSERT_OK_AND_ASSIGN(cv::Mat image, media::LoadImageBgr(FixtureImage("camera.png")));
  const cv::Mat tiled = bench::Tiled(image, 3);
  FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> s, scrfd->Detect(tiled));
  FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> y, yunet->Detect(tiled));
  ASSERT_EQ(s.size(), 9u);
  EXPECT_EQ(bench::MatchedFaces(s, y), 9u);
  EXPECT_EQ(y.size(), 9u);
  std::printf("camera.png tiled 3x3: SCRFD [%s ] YuNet [%s ]\n", Describe(s).c_str(), Describe(y).c_str());
}

// The face-free photos bench/detector_recall.sh fetches from Debian, when a
// run of it left them in the cache (tests download nothing).
std::vector<std::filesystem::path> CachedFaceFreePhotos() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const std::filesystem::path cache = xdg && *xdg ? std::filesystem::path(xdg)
                                      : home      ? std::filesystem::path(home) / ".cache"
                                                  : std::filesystem::path();
  std::vector<std::filesystem::path> photos;
  std::error_code ec;
  if (cache.empty() || !std::filesystem::is_directory(cache / "facefuse/face-free", ec)) return photos;
  for (const auto& e : std::filesystem::directory_iterator(cache / "facefuse/face-free", ec)) photos.push_back(e.path());
  std::sort(photos.begin(), photos.end());
  return photos;
}

// Face-free images: the strips of every fixture photo away from all faces
// SCRFD and RetinaFace find there, and synthetic textures (plus the cached
// Debian photos, when present). The bundled default finds nothing in them;
// at FaceFusion's 0.5 YuNet does find "faces" in the strips, so the set can
// catch a threshold that is too low.
TEST(FaceDetectionFixtures, BundledDefaultFindsNoFaceOnFaceFreeImages) {
  FF_REQUIRE_FIXTURES(FixtureModel("scrfd_2.5g"), FixtureModel("retinaface_mnet025"), FixtureImage("obama.jpg"));
  FF_ASSERT_OK_AND_ASSIGN(auto scrfd, face::OpenDetector("scrfd", FixtureModel("scrfd_2.5g"), FixtureOptions()));
  FF_ASSERT_OK_AND_ASSIGN(auto retina,
                          face::OpenDetector("retinaface", FixtureModel("retinaface_mnet025"), FixtureOptions()));
  FF_ASSERT_OK_AND_ASSIGN(auto yunet, OpenBundledDefault());
  FF_ASSERT_OK_AND_ASSIGN(auto yunet_loose, OpenBundledDefault(0.5f));
  std::vector<std::pair<std::string, cv::Mat>> face_free;
  for (const ExpectedCount& row : kTable) {
    FF_ASSERT_OK_AND_ASSIGN(cv::Mat image, media::LoadImageBgr(FixtureImage(row.image)));
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, scrfd->Detect(image));
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> more, retina->Detect(image));
    faces.insert(faces.end(), more.begin(), more.end());
    ASSERT_GE(faces.size(), row.eye) << row.image;
    for (const cv::Rect& r : bench::FaceFreeStrips(image.size(), faces))
      face_free.emplace_back(std::string(row.image) + " strip at " + std::to_string(r.x) + "," + std::to_string(r.y),
                             image(r).clone());
  }
  const size_t strips = face_free.size();
  ASSERT_GE(strips, 20u);
  for (auto& texture : bench::SyntheticTextures()) face_free.push_back(std::move(texture));
  const auto photos = CachedFaceFreePhotos();
  for (const auto& path : photos) {
    FF_ASSERT_OK_AND_ASSIGN(cv::Mat image, media::LoadImageBgr(path));
    face_free.emplace_back(path.filename().string(), image);
  }
  if (photos.empty()) std::printf("no cached face-free photos (run bench/detector_recall.sh once to fetch them)\n");
  size_t loose_in_strips = 0;
  for (size_t i = 0; i < face_free.size(); ++i) {
    const auto& [name, image] = face_free[i];
    SCOPED_TRACE(name);
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> found, yunet->Detect(image));
    EXPECT_TRUE(found.empty()) << "false positive(s):" << Describe(found);
    if (i < strips) {
      FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> loose, yunet_loose->Detect(image));
      loose_in_strips += loose.size();
    }
  }
  EXPECT_GE(loose_in_strips, 1u) << "YuNet at 0.5 finds nothing in the strips: they no longer test the threshold";
  std::printf("face-free: %zu strips, %zu textures, %zu cached photos; YuNet at 0.5 finds %zu face(s) in the strips\n",
              strips, face_free.size() - strips - photos.size(), photos.size(), loose_in_strips);
}

// The fixtures README: RetinaFace-mnet matches the eye count on every photo
// (at 0.9 there; at its default 0.5 here).
TEST(FaceDetectionFixtures, RetinaFaceFindsTheEyeCountOnEveryPhoto) {
  FF_REQUIRE_FIXTURES(FixtureModel("retinaface_mnet025"), FixtureImage("obama.jpg"));
  FF_ASSERT_OK_AND_ASSIGN(auto retina,
                          face::OpenDetector("retinaface", FixtureModel("retinaface_mnet025"), FixtureOptions()));
  for (const ExpectedCount& row : kTable) {
    SCOPED_TRACE(row.image);
    FF_ASSERT_OK_AND_ASSIGN(cv::Mat image, media::LoadImageBgr(FixtureImage(row.image)));
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, retina->Detect(image));
    EXPECT_EQ(faces.size(), row.eye);
    std::printf("%-38s RetinaFace %zu [%s ]\n", row.image, faces.size(), Describe(faces).c_str());
  }
}

// Reference (meta.json, retinaface_mnet025 set 0): ORT outputs decoded with
// score >= 0.6, in two_people.jpg pixels.
struct ReferenceFace {
  float score;
  float box[4];
  float kps[5][2];
};
constexpr ReferenceFace kRetinaTwoPeople[] = {
    {0.9994f,
     {790.5f, 44.2f, 942.4f, 254.6f},
     {{848.5f, 123.0f}, {913.5f, 137.3f}, {881.6f, 169.6f}, {838.2f, 194.5f}, {896.3f, 206.3f}}},
    {0.9993f,
     {235.5f, 25.3f, 386.3f, 224.2f},
     {{288.3f, 95.6f}, {356.8f, 102.4f}, {329.8f, 128.6f}, {287.3f, 165.6f}, {347.4f, 171.4f}}},
};

// Largest corner or keypoint distance (px) between a face and a reference face.
float MaxDeviation(const DetectedFace& f, const ReferenceFace& r) {
  float d = std::max(
      {std::abs(f.x1 - r.box[0]), std::abs(f.y1 - r.box[1]), std::abs(f.x2 - r.box[2]), std::abs(f.y2 - r.box[3])});
  for (int k = 0; k < 5; ++k)
    d = std::max({d, std::abs(f.keypoints[k].x - r.kps[k][0]), std::abs(f.keypoints[k].y - r.kps[k][1])});
  return d;
}

TEST(FaceDetectionFixtures, RetinaFaceFindsTheTwoPeopleOfTheOrtReference) {
  FF_REQUIRE_FIXTURES(FixtureModel("retinaface_mnet025"), FixtureImage("two_people.jpg"));
  FF_ASSERT_OK_AND_ASSIGN(auto retina,
                          face::OpenDetector("retinaface", FixtureModel("retinaface_mnet025"), FixtureOptions()));
  FF_ASSERT_OK_AND_ASSIGN(cv::Mat image, media::LoadImageBgr(FixtureImage("two_people.jpg")));
  FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, retina->Detect(image));
  ASSERT_EQ(faces.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const ReferenceFace& r = kRetinaTwoPeople[i];
    DetectedFace ref;
    ref.x1 = r.box[0];
    ref.y1 = r.box[1];
    ref.x2 = r.box[2];
    ref.y2 = r.box[3];
    const DetectedFace& f = IoU(faces[0], ref) >= IoU(faces[1], ref) ? faces[0] : faces[1];
    EXPECT_GE(IoU(f, ref), 0.95f);
    EXPECT_NEAR(f.score, r.score, 0.01f);
    // Our JPEG decode and resize may differ from OpenCV's by a few levels.
    EXPECT_LE(MaxDeviation(f, r), 3.f);
    std::printf("RetinaFace face %zu: score %.4f, IoU with ORT %.4f, largest deviation %.2f px\n", i, f.score,
                IoU(f, ref), MaxDeviation(f, r));
  }
}

// obama.jpg turned 90 degrees clockwise: the upright face's box and keypoints,
// turned the same way, are where the rotated passes must find it. YuNet needs
// the passes (it misses the turned face upright-only); SCRFD finds it either
// way, with a lower score upright-only.
TEST(FaceDetectionFixtures, RotatedPassesFindATurnedFaceAndAddNothingUpright) {
  FF_REQUIRE_FIXTURES(FixtureModel("scrfd_2.5g"), FixtureModel("yunet_2023mar"), FixtureImage("obama.jpg"));
  FF_ASSERT_OK_AND_ASSIGN(cv::Mat image, media::LoadImageBgr(FixtureImage("obama.jpg")));
  cv::Mat turned;
  cv::rotate(image, turned, cv::ROTATE_90_CLOCKWISE);  // (x, y) -> (H-1-y, x)
  const float h1 = static_cast<float>(image.rows - 1);
  for (const char* family : {"yunet", "scrfd"}) {
    SCOPED_TRACE(family);
    const auto model = FixtureModel(family == std::string("yunet") ? "yunet_2023mar" : "scrfd_2.5g");
    face::DetectorOptions all = FixtureOptions();
    all.angles = {0, 90, 180, 270};
    FF_ASSERT_OK_AND_ASSIGN(auto detect_upright, face::OpenDetector(family, model, FixtureOptions()));
    FF_ASSERT_OK_AND_ASSIGN(auto detect_all, face::OpenDetector(family, model, all));

    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> faces, detect_upright->Detect(image));
    ASSERT_EQ(faces.size(), 1u);
    const DetectedFace upright_face = faces[0];
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> all_upright, detect_all->Detect(image));
    ASSERT_EQ(all_upright.size(), 1u) << "rotated passes must not add faces to an upright photo";
    EXPECT_GE(IoU(all_upright[0], upright_face), 0.9f);

    DetectedFace expected;
    expected.x1 = h1 - upright_face.y2;
    expected.x2 = h1 - upright_face.y1;
    expected.y1 = upright_face.x1;
    expected.y2 = upright_face.x2;
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> upright_only, detect_upright->Detect(turned));
    if (family == std::string("yunet")) {
      EXPECT_TRUE(upright_only.empty());
    }
    FF_ASSERT_OK_AND_ASSIGN(std::vector<DetectedFace> found, detect_all->Detect(turned));
    ASSERT_EQ(found.size(), 1u);
    const float iou = IoU(found[0], expected);
    EXPECT_GE(iou, 0.9f);
    ASSERT_EQ(found[0].keypoints.size(), 5u);
    for (int k = 0; k < 5; ++k) {
      EXPECT_NEAR(found[0].keypoints[k].x, h1 - upright_face.keypoints[k].y, 2.f) << "keypoint " << k;
      EXPECT_NEAR(found[0].keypoints[k].y, upright_face.keypoints[k].x, 2.f) << "keypoint " << k;
    }
    std::printf(
        "%s, obama.jpg turned 90: upright-only finds %zu face(s)%s; 4 angles find %zu (score %.3f), IoU "
        "%.4f with the turned upright box\n",
        family, upright_only.size(),
        upright_only.empty() ? "" : (" (score " + std::to_string(upright_only[0].score) + ")").c_str(), found.size(),
        found[0].score, iou);
    ::testing::Test::RecordProperty(std::string("rotated_iou_") + family, std::to_string(iou));
  }
}

}  // namespace
}  // namespace facefuse
