// Shared helpers for the face tests that run on the real fixture models and
// photos (../shared/fixtures beside the repository, or $FACEFUSE_FIXTURES_DIR).
// Each test requires its fixtures with FF_REQUIRE_FIXTURES (tests/unit/fixtures_dir.h):
// missing, they fail the test under CI=true and skip it elsewhere.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "face/detect/detector.h"
#include "face/recognizer.h"
#include "media/image_io.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::testing {

using test_fixtures::FixturesDir;
inline std::filesystem::path FixtureModel(const std::string& name) {
  return FixturesDir() / "models" / name / "model.onnx";
}
inline std::filesystem::path FixtureImage(const std::string& name) { return FixturesDir() / "media" / "images" / name; }

// Kernel threads for fixture runs: the test machines are small and shared.
constexpr int kFixtureThreads = 2;

}  // namespace facefuse::testing

// `var` = the value of a Result expression, or the test fails with its status.
#define FF_ASSERT_OK_AND_ASSIGN(var, expr)                                                        \
  auto FF_CONCAT(ff_r_, __LINE__) = (expr);                                                       \
  ASSERT_TRUE(FF_CONCAT(ff_r_, __LINE__).ok()) << FF_CONCAT(ff_r_, __LINE__).status().ToString(); \
  var = std::move(FF_CONCAT(ff_r_, __LINE__)).value()
