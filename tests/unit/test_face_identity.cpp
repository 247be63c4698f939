// Identity through the whole analysis pipeline on the fixture photos: SCRFD
// 2.5G detection, alignment on its 5 keypoints, recognizer_512 embeddings
// ((x - 127) / 128 RGB). The same person must be close, different people far.
#include <cstdio>
#include <string>
#include <vector>

#include "face/analysed_face.h"
#include "face/selection.h"
#include "face_fixtures.h"

namespace facefuse {
namespace {

using testing::FixtureImage;
using testing::FixtureModel;

class IdentityFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    FF_REQUIRE_FIXTURES(FixtureModel("scrfd_2.5g"), FixtureModel("recognizer_512"), FixtureImage("obama.jpg"),
                        FixtureImage("obama_small.jpg"), FixtureImage("biden.jpg"));
    face::DetectorOptions d;
    d.threads = testing::kFixtureThreads;
    auto detector = face::OpenDetector("scrfd", FixtureModel("scrfd_2.5g"), d);
    ASSERT_TRUE(detector.ok()) << detector.status().ToString();
    detector_ = std::move(detector).value();
    face::RecognizerOptions r;  // mean 127, std 128: recognizer_512's contract
    r.threads = testing::kFixtureThreads;
    auto recognizer = face::Recognizer::Open(FixtureModel("recognizer_512"), r);
    ASSERT_TRUE(recognizer.ok()) << recognizer.status().ToString();
    recognizer_ = std::move(recognizer).value();
  }

  // The embedding of the one face in a fixture photo.
  std::vector<float> IdentityOf(const std::string& image_name) {
    auto image = media::LoadImageBgr(FixtureImage(image_name));
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    if (!image.ok()) return {};
    auto faces = face::AnalyseFaces(*detector_, *recognizer_, *image);
    EXPECT_TRUE(faces.ok()) << faces.status().ToString();
    if (!faces.ok()) return {};
    EXPECT_EQ(faces->size(), 1u) << image_name;
    auto e = face::ReferenceEmbedding(*faces);
    return e.ok() ? *e : std::vector<float>{};
  }

  std::unique_ptr<face::FaceDetector> detector_;
  std::unique_ptr<face::Recognizer> recognizer_;
};

TEST_F(IdentityFixture, SamePersonIsCloseAndDifferentPeopleAreFar) {
  const std::vector<float> obama = IdentityOf("obama.jpg"), obama_small = IdentityOf("obama_small.jpg"),
                           biden = IdentityOf("biden.jpg");
  ASSERT_EQ(obama.size(), 512u);
  ASSERT_EQ(obama_small.size(), 512u);
  ASSERT_EQ(biden.size(), 512u);
  const float same = face::CosineSimilarity(obama, obama_small), other = face::CosineSimilarity(obama, biden),
              other_small = face::CosineSimilarity(biden, obama_small);
  std::printf("cos(obama, obama_small) = %.4f   cos(obama, biden) = %.4f   cos(biden, obama_small) = %.4f\n", same,
              other, other_small);
  RecordProperty("cos_obama_obama_small", std::to_string(same));
  RecordProperty("cos_obama_biden", std::to_string(other));
  RecordProperty("cos_biden_obama_small", std::to_string(other_small));
  EXPECT_GE(same, 0.6f);
  EXPECT_LE(other, 0.3f);
  EXPECT_LE(other_small, 0.3f);
  // The same decisions through FaceFusion's distance at its default 0.3.
  EXPECT_LT(face::FaceDistance(obama, obama_small), 0.3f);
  EXPECT_GE(face::FaceDistance(obama, biden), 0.3f);
}

}  // namespace
}  // namespace facefuse
