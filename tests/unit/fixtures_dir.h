// Where the test fixtures (real models, photos, ONNX Runtime reference outputs) live, and the one rule for a
// test that needs them: FF_REQUIRE_FIXTURES. Kept free of facefuse headers (and of a facefuse::testing namespace,
// which would hide gtest's ::testing inside namespace facefuse) so every test file can include it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <gtest/gtest.h>

namespace facefuse::test_fixtures {

// The fixtures root: $FACEFUSE_FIXTURES_DIR when set and non-empty (a test run can point it elsewhere, e.g. at an
// empty folder to see what happens without fixtures), else ../shared/fixtures beside the source tree.
inline std::filesystem::path FixturesDir() {
  const char* env = std::getenv("FACEFUSE_FIXTURES_DIR");
  if (env != nullptr && *env != '\0') return std::filesystem::path(env);
  return std::filesystem::path(FACEFUSE_SOURCE_DIR "/../shared/fixtures");
}

// True under CI (CI=true): there a missing fixture is a failure, since the run must exercise what it claims to.
inline bool MissingFixtureFails() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace facefuse::test_fixtures

// Requires every listed fixture path to exist before the test goes on. A missing one fails the test (naming the
// path) when CI=true and skips it otherwise. Use it in a TEST body, a fixture's SetUp or SetUpTestSuite.
#define FF_REQUIRE_FIXTURES(...)                                                                   \
  do {                                                                                             \
    for (const std::filesystem::path& ff_p_ : {__VA_ARGS__}) {                                     \
      if (std::filesystem::exists(ff_p_)) continue;                                                \
      if (::facefuse::test_fixtures::MissingFixtureFails())                                        \
        FAIL() << "fixture missing: " << ff_p_ << " (CI=true: the fixtures must be present)";      \
      GTEST_SKIP() << "fixture missing: " << ff_p_;                                                \
    }                                                                                              \
  } while (0)
