// Face selection: orders, modes and identities on synthetic faces, and the
// reference mode on real embeddings (two_people.jpg against obama.jpg and
// biden.jpg).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "face/analysed_face.h"
#include "face/selection.h"
#include "face_fixtures.h"

namespace facefuse {
namespace {

using face::FaceOrder;
using face::SelectionMode;
using testing::FixtureImage;
using testing::FixtureModel;

face::AnalysedFace Synthetic(float x1, float y1, float size, float score, std::vector<float> embedding = {1, 0}) {
  face::AnalysedFace f;
  f.face.x1 = x1;
  f.face.y1 = y1;
  f.face.x2 = x1 + size;
  f.face.y2 = y1 + size;
  f.face.score = score;
  f.embedding = std::move(embedding);
  return f;
}

// Detector order (best first): a is left/top-ish, b right/bottom/small, c large.
const std::vector<face::AnalysedFace> kFaces = {
    Synthetic(50, 40, 20, 0.95f),   // 0
    Synthetic(200, 90, 10, 0.90f),  // 1
    Synthetic(120, 10, 40, 0.60f),  // 2
    Synthetic(10, 90, 20, 0.80f),   // 3: same size and y1 as others (ties)
};

TEST(FaceSelection, OrdersAreStableSortsOfTheContract) {
  using V = std::vector<size_t>;
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kLeftRight), (V{3, 0, 2, 1}));
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kRightLeft), (V{1, 2, 0, 3}));
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kTopBottom), (V{2, 0, 1, 3}));  // 1 and 3 tie: input order
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kBottomTop), (V{1, 3, 0, 2}));
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kSmallLarge), (V{1, 0, 3, 2}));  // 0 and 3 tie
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kLargeSmall), (V{2, 0, 3, 1}));
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kBestWorst), (V{0, 1, 3, 2}));
  EXPECT_EQ(face::SortFaces(kFaces, FaceOrder::kWorstBest), (V{2, 3, 1, 0}));
  EXPECT_TRUE(face::SortFaces({}, FaceOrder::kLargeSmall).empty());
}

TEST(FaceSelection, ManyOneAndReferenceModes) {
  face::SelectionOptions o;
  o.mode = SelectionMode::kMany;
  EXPECT_EQ(*face::SelectFaces(kFaces, o), (std::vector<size_t>{2, 0, 3, 1}));  // default order large-small
  o.mode = SelectionMode::kOne;
  o.order = FaceOrder::kLeftRight;
  EXPECT_EQ(*face::SelectFaces(kFaces, o), (std::vector<size_t>{3}));
  EXPECT_TRUE(face::SelectFaces({}, o)->empty());

  std::vector<face::AnalysedFace> faces = kFaces;
  faces[1].embedding = {0.6f, 0.8f};  // cos 0.6 -> d 0.2: matches
  faces[2].embedding = {0.f, 1.f};    // cos 0 -> d 0.5: no match
  faces[3].embedding = {-1.f, 0.f};   // d 1
  o.mode = SelectionMode::kReference;
  o.order = FaceOrder::kRightLeft;
  o.reference = {1.f, 0.f};
  EXPECT_EQ(*face::SelectFaces(faces, o), (std::vector<size_t>{1, 0}));
  o.max_distance = 0.1f;
  EXPECT_EQ(*face::SelectFaces(faces, o), (std::vector<size_t>{0}));
}

TEST(FaceSelection, ReferenceModeErrors) {
  face::SelectionOptions o;  // reference mode, no reference
  EXPECT_EQ(face::SelectFaces(kFaces, o).status().code(), StatusCode::kInvalidArgument);
  o.reference = {1, 0, 0};  // 3-d against 2-d faces
  EXPECT_EQ(face::SelectFaces(kFaces, o).status().code(), StatusCode::kInvalidArgument);
  o.reference = {1, 0};
  o.max_distance = -0.1f;
  EXPECT_EQ(face::SelectFaces(kFaces, o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(face::ReferenceEmbedding({}).status().code(), StatusCode::kNotFound);
}

TEST(FaceSelection, DistanceAndAveragingFollowTheContract) {
  EXPECT_FLOAT_EQ(face::FaceDistance({1, 0}, {1, 0}), 0.f);
  EXPECT_FLOAT_EQ(face::FaceDistance({1, 0}, {0, 1}), 0.5f);
  EXPECT_FLOAT_EQ(face::FaceDistance({1, 0}, {-1, 0}), 1.f);
  EXPECT_FLOAT_EQ(face::FaceDistance({1, 0}, {1, 0, 0}), 1.f);
  // Mean of unit vectors, not renormalised: (1,0) and (0,2) -> (0.5, 0.5).
  auto mean = face::AverageEmbeddings({{1, 0}, {0, 2}});
  ASSERT_TRUE(mean.ok());
  EXPECT_FLOAT_EQ((*mean)[0], 0.5f);
  EXPECT_FLOAT_EQ((*mean)[1], 0.5f);
  EXPECT_EQ(face::AverageEmbeddings({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(face::AverageEmbeddings({{1, 0}, {1}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(face::AverageEmbeddings({{0, 0}}).status().code(), StatusCode::kInvalidArgument);
  // Several sources: the largest face of each image.
  auto identity = face::SourceIdentity(
      {{Synthetic(0, 0, 10, 0.9f, {0, 1}), Synthetic(0, 0, 30, 0.5f, {1, 0})}, {Synthetic(0, 0, 10, 0.9f, {1, 0})}});
  ASSERT_TRUE(identity.ok());
  EXPECT_FLOAT_EQ((*identity)[0], 1.f);
  EXPECT_FLOAT_EQ((*identity)[1], 0.f);
  EXPECT_EQ(face::SourceIdentity({{Synthetic(0, 0, 10, 0.9f)}, {}}).status().code(), StatusCode::kNotFound);
}

TEST(FaceSelection, NamesRoundTrip) {
  for (const char* name : {"left-right", "right-left", "top-bottom", "bottom-top", "small-large", "large-small",
                           "best-worst", "worst-best"}) {
    auto order = face::ParseFaceOrder(name);
    ASSERT_TRUE(order.ok()) << name;
    EXPECT_EQ(face::FaceOrderName(*order), name);
  }
  EXPECT_EQ(face::ParseFaceOrder("biggest").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*face::ParseSelectionMode("reference"), SelectionMode::kReference);
  EXPECT_EQ(face::ParseSelectionMode("all").status().code(), StatusCode::kInvalidArgument);
}

// Reference mode with real embeddings: obama.jpg picks the left face of
// two_people.jpg, biden.jpg the right one.
TEST(FaceSelection, ReferencePhotoPicksThatPersonInTwoPeople) {
  FF_REQUIRE_FIXTURES(FixtureModel("scrfd_2.5g"), FixtureModel("recognizer_512"), FixtureImage("two_people.jpg"),
                      FixtureImage("obama.jpg"), FixtureImage("biden.jpg"));
  face::DetectorOptions d;
  d.threads = testing::kFixtureThreads;
  FF_ASSERT_OK_AND_ASSIGN(auto detector, face::OpenDetector("scrfd", FixtureModel("scrfd_2.5g"), d));
  face::RecognizerOptions r;
  r.threads = testing::kFixtureThreads;
  FF_ASSERT_OK_AND_ASSIGN(auto recognizer, face::Recognizer::Open(FixtureModel("recognizer_512"), r));
  auto analyse = [&](const char* name) -> Result<std::vector<face::AnalysedFace>> {
    FF_ASSIGN_OR_RETURN(cv::Mat image, media::LoadImageBgr(FixtureImage(name)));
    return face::AnalyseFaces(*detector, *recognizer, image);
  };
  FF_ASSERT_OK_AND_ASSIGN(std::vector<face::AnalysedFace> targets, analyse("two_people.jpg"));
  ASSERT_EQ(targets.size(), 2u);
  const size_t left = targets[0].face.x1 < targets[1].face.x1 ? 0 : 1, right = 1 - left;
  for (const auto& [name, expected] : {std::pair{"obama.jpg", left}, std::pair{"biden.jpg", right}}) {
    SCOPED_TRACE(name);
    FF_ASSERT_OK_AND_ASSIGN(std::vector<face::AnalysedFace> reference_faces, analyse(name));
    face::SelectionOptions o;
    FF_ASSERT_OK_AND_ASSIGN(o.reference, face::ReferenceEmbedding(reference_faces));
    FF_ASSERT_OK_AND_ASSIGN(std::vector<size_t> picked, face::SelectFaces(targets, o));
    std::printf("reference %s: distances left %.3f right %.3f\n", name,
                face::FaceDistance(targets[left].embedding, o.reference),
                face::FaceDistance(targets[right].embedding, o.reference));
    EXPECT_EQ(picked, (std::vector<size_t>{expected}));
  }
}

}  // namespace
}  // namespace facefuse
