// Shared helpers for the face tests that run on the real fixture models and
// photos (/work/shared/fixtures beside the repository). Each test skips when
// the fixtures are absent.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "face/detector.h"
#include "face/recognizer.h"
#include "media/image_io.h"

namespace facefuse::testing {

inline std::filesystem::path FixturesDir() { return std::filesystem::path(FACEFUSE_SOURCE_DIR "/../shared/fixtures"); }
inline std::filesystem::path FixtureModel(const std::string& name) {
  return FixturesDir() / "models" / name / "model.onnx";
}
inline std::filesystem::path FixtureImage(const std::string& name) { return FixturesDir() / "media" / "images" / name; }

// Kernel threads for fixture runs: the test machines are small and shared.
constexpr int kFixtureThreads = 2;

}  // namespace facefuse::testing

// Skips the current test unless every listed fixture file exists.
#define FF_REQUIRE_FIXTURES(...)                                                         \
  do {                                                                                   \
    for (const std::filesystem::path& ff_p_ : {__VA_ARGS__})                             \
      if (!std::filesystem::exists(ff_p_)) GTEST_SKIP() << "fixture missing: " << ff_p_; \
  } while (0)

// `var` = the value of a Result expression, or the test fails with its status.
#define FF_ASSERT_OK_AND_ASSIGN(var, expr)                                                        \
  auto FF_CONCAT(ff_r_, __LINE__) = (expr);                                                       \
  ASSERT_TRUE(FF_CONCAT(ff_r_, __LINE__).ok()) << FF_CONCAT(ff_r_, __LINE__).status().ToString(); \
  var = std::move(FF_CONCAT(ff_r_, __LINE__)).value()
