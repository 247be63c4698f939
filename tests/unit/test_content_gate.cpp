// The content gate with the red-flag stand-in of the open_nsfw contract (tools/standins): a saturated red picture
// scores ~1 and is refused (403, as a target or as a source), a photograph scores ~0 and goes through; a model
// without the contract's input is refused at open.
#include <opencv2/imgcodecs.hpp>

#include "face/gate/content_classifier.h"
#include "server/content_gate.h"
#include "tests/unit/face_fixtures.h"
#include "tests/unit/http_api_fixture.h"
#include "tools/standins/standins.h"

namespace facefuse::server::test {
namespace {

// Writes the red-flag stand-in under `dir` and returns its path.
fs::path RedFlagModel(const fs::path& dir) {
  const fs::path model = dir / "open_nsfw.red-flag.onnx";
  standins::StandInSpec spec;
  spec.model = "open_nsfw";
  spec.kind = standins::StandInKind::kRedFlag;
  const Status written = standins::WriteStandIn(spec, model);
  EXPECT_TRUE(written.ok()) << written.ToString();
  return model;
}

std::string RedPng() {
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(240, 320, CV_8UC3, cv::Scalar(0, 0, 255)), png);
  return std::string(png.begin(), png.end());
}

TEST_F(HttpApi, ContentClassifierScoresRedHighAndAPhotoLow) {
  FF_ASSERT_OK_AND_ASSIGN(auto classifier, face::ContentClassifier::Open(RedFlagModel(root_), {}));
  FF_ASSERT_OK_AND_ASSIGN(float red, classifier->Score(cv::Mat(100, 100, CV_8UC3, cv::Scalar(0, 0, 255))));
  EXPECT_GT(red, 0.99f);
  FF_ASSERT_OK_AND_ASSIGN(float photo, classifier->Score(cv::imread(Image("obama.jpg").string())));
  EXPECT_LT(photo, 0.2f);
  EXPECT_EQ(classifier->Score(cv::Mat()).status().code(), StatusCode::kInvalidArgument);
  // A model of another contract (the bundled detector) is refused by name.
  auto wrong = face::ContentClassifier::Open(fs::path(FACEFUSE_SOURCE_DIR) / "models" / "face_detection_yunet_2023mar.onnx", {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("is not an open_nsfw content classifier"), std::string::npos)
      << wrong.status().ToString();
}

TEST_F(HttpApi, TheContentGateRefusesAFlaggedTargetOrSourceWith403) {
  const fs::path model = RedFlagModel(root_);
  Start({}, uint64_t{1} << 30, 2, [&model](JobApiOptions& options) { options.content_gate_model = model; });
  auto refused = PostParts({Part("source", ReadBytes(Image("obama.jpg"))), Part("target", RedPng(), "red.png")});
  ExpectError(refused, 403, "PermissionDenied", "a red target");
  EXPECT_NE(refused->body.find("the content gate refused the target (score 1.00, threshold 0.80)"), std::string::npos)
      << refused->body;
  const httplib::MultipartFormDataItems red_source = {Part("source", RedPng(), "red.png"),
                                                      Part("target", ReadBytes(Image("biden.jpg")))};
  ExpectError(client_->Post("/v1/swap", red_source),
              403, "PermissionDenied", "a red source through /v1/swap");
  const std::string id = Submit(SwapParts());  // a photograph goes through
  EXPECT_FALSE(id.empty());
  queue_->WaitIdle();
  auto scrape = client_->Get("/metrics");
  EXPECT_NE(scrape->body.find("facefuse_rejected_requests_total{reason=\"content_gate\"} 2"), std::string::npos);
  for (const auto& entry : fs::directory_iterator(data_dir_)) EXPECT_EQ(entry.path().filename().string(), id);
}

}  // namespace
}  // namespace facefuse::server::test
