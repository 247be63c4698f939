// The Env seam: the real Env's errors name the path and the system's reason,
// and with a FaultEnv a full disk, a failed rename or a refused open while an
// output is written gives a clean IoError and leaves neither the output nor a
// temporary file behind, from the atomic writer up to a whole swap job.
#include <gtest/gtest.h>

#include <unistd.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/env.h"
#include "common/read_file.h"
#include "media/image_io.h"
#include "pipeline/face_swap_engine.h"
#include "tests/unit/fault_env.h"
#include "tests/unit/fixtures_dir.h"
#include "tools/standins/standins.h"

namespace facefuse {
namespace {

namespace fs = std::filesystem;
using testing_env::FaultEnv;

const fs::path kFixtures = test_fixtures::FixturesDir();
const fs::path kImages = kFixtures / "media" / "images";

class EnvFaults : public testing_env::TempDirTest {
 protected:
  EnvFaults() : TempDirTest("env_faults") {}

  // The names in dir_, sorted.
  std::vector<std::string> Listing() const {
    auto names = Env::Default()->ListDirectory(dir_);
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    std::vector<std::string> sorted = names.ok() ? *names : std::vector<std::string>{};
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }

};

TEST_F(EnvFaults, DefaultEnvWritesReadsRenamesAndLists) {
  Env* env = Env::Default();
  const fs::path a = dir_ / "a.txt", b = dir_ / "b.txt";
  auto file = env->NewWritableFile(a, WriteMode::kCreateNew);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append(std::string_view("hello ")).ok());
  ASSERT_TRUE((*file)->Append(std::string_view("world")).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(env->NewWritableFile(a, WriteMode::kCreateNew).status().code(), StatusCode::kFailedPrecondition);
  auto appended = env->NewWritableFile(a, WriteMode::kAppend);
  ASSERT_TRUE(appended.ok());
  ASSERT_TRUE((*appended)->Append(std::string_view("!")).ok());
  ASSERT_TRUE((*appended)->Close().ok());
  EXPECT_EQ(env->FileSizeOrZero(a), 12u);
  ASSERT_TRUE(env->RenameFile(a, b).ok());
  EXPECT_FALSE(env->FileExists(a));
  auto text = ReadRegularFile<std::string>(b, 100, env);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "hello world!");
  EXPECT_EQ(Listing(), std::vector<std::string>{"b.txt"});
  ASSERT_TRUE(env->CreateDirectories(dir_ / "x" / "y").ok());
  EXPECT_TRUE(env->IsDirectory(dir_ / "x" / "y"));
  ASSERT_TRUE(env->RemoveFile(b).ok());
  EXPECT_EQ(env->RemoveFile(b).code(), StatusCode::kNotFound);
  EXPECT_EQ(env->ReadFile(b, 100, &*text).code(), StatusCode::kNotFound);
}

// The real Env reports a full disk as IoError with the path and strerror (/dev/full always is).
TEST_F(EnvFaults, DefaultEnvReportsAFullDiskWithThePath) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto file = Env::Default()->NewWritableFile("/dev/full", WriteMode::kTruncate);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  Status s = (*file)->Append(std::string_view("x"));
  EXPECT_EQ(s.ToString(), "IoError: cannot write /dev/full: No space left on device");
}

TEST_F(EnvFaults, FaultEnvFailsTheNthWriteOnly) {
  FaultEnv env;
  env.FailNthWrite(2);
  auto file = env.NewWritableFile(dir_ / "f", WriteMode::kTruncate);
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE((*file)->Append(std::string_view("1234")).ok());
  Status s = (*file)->Append(std::string_view("5678"));
  EXPECT_EQ(s.ToString(), "IoError: cannot write " + (dir_ / "f").string() + ": No space left on device");
  EXPECT_TRUE((*file)->Append(std::string_view("9")).ok());
  EXPECT_EQ(env.writes(), 3);
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  env.SetNow(t);
  EXPECT_EQ(env.Now(), t);
}

// The atomic writer: disk full, rename refused, open refused. Each is a clean IoError naming the destination; an
// existing destination keeps its old content and no temporary file is left.
TEST_F(EnvFaults, AtomicWriteFailsCleanly) {
  const fs::path out = dir_ / "out.bin";
  const std::vector<uint8_t> bytes(1000, 7);
  FaultEnv env;
  env.FailNthWrite(1);
  Status full = WriteFileAtomically(out, bytes, &env);
  EXPECT_EQ(full.ToString(), "IoError: cannot write " + out.string() + ": No space left on device");
  EXPECT_TRUE(Listing().empty());

  ASSERT_TRUE(WriteFileAtomically(out, std::vector<uint8_t>{1, 2, 3}).ok());
  env.FailRenames(EXDEV);
  Status moved = WriteFileAtomically(out, bytes, &env);
  EXPECT_EQ(moved.ToString(),
            "IoError: cannot move the new file into place at " + out.string() + ": Invalid cross-device link");
  EXPECT_EQ(Listing(), std::vector<std::string>{"out.bin"});
  EXPECT_EQ(Env::Default()->FileSizeOrZero(out), 3u);

  env.FailWritableOpens(EACCES);
  Status opened = WriteFileAtomically(out, bytes, &env);
  EXPECT_EQ(opened.ToString(),
            "IoError: cannot create a temporary file beside " + out.string() + ": Permission denied");
  EXPECT_EQ(Listing(), std::vector<std::string>{"out.bin"});
  EXPECT_TRUE(RegisteredTempFiles().empty());
}

// A swap job as `facefuse swap` runs it: the output is claimed first, the target is read, the engine swaps, and
// the image is committed, every file access through `env`. The engine and the source identity are made once.
Status RunSwapJob(Env* env, pipeline::FaceSwapEngine& engine, const pipeline::Identity& identity,
                  const fs::path& output) {
  const fs::path target = kImages / "obama_small.jpg";
  FF_ASSIGN_OR_RETURN(PendingFile claimed, media::PrepareImageOutput(output, {target}, env));
  media::ImageLimits limits;
  limits.env = env;
  FF_ASSIGN_OR_RETURN(media::Image target_image, media::LoadImage(target, limits));
  FF_ASSIGN_OR_RETURN(cv::Mat swapped, engine.Swap(target_image.bgr, identity));
  return media::CommitImage(claimed, output, swapped);
}

TEST_F(EnvFaults, SwapJobWithAFullDiskOrAFailedRenameLeavesNoFile) {
  FF_REQUIRE_FIXTURES(kImages, kFixtures / "models");
  standins::StandInSpec spec;
  spec.model = "inswapper_128";
  spec.kind = standins::StandInKind::kIdentity;
  const fs::path model = dir_ / standins::StandInFileName(spec);
  ASSERT_TRUE(standins::WriteStandIn(spec, model).ok());
  pipeline::FaceSwapConfig config;
  config.swapper = "inswapper_128";
  config.swapper_model = model;
  config.threads = 2;
  auto engine = pipeline::FaceSwapEngine::Open(config);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto source = media::LoadImageBgr(kImages / "biden.jpg");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto identity = (*engine)->LearnIdentity({*source}, {"biden.jpg"});
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  const fs::path out_dir = dir_ / "out";
  fs::create_directories(out_dir);
  const fs::path output = out_dir / "swapped.png";
  auto leftovers = [&] {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(out_dir)) names.push_back(entry.path().filename().string());
    return names;
  };

  FaultEnv env;
  env.FailNthWrite(1);  // the first write is the encoded image going to the temporary file
  Status full = RunSwapJob(&env, **engine, *identity, output);
  EXPECT_EQ(full.ToString(), "IoError: cannot write " + output.string() + ": No space left on device");
  EXPECT_EQ(env.writes(), 1);
  EXPECT_TRUE(leftovers().empty()) << leftovers().front();

  env.FailRenames(EACCES);
  Status moved = RunSwapJob(&env, **engine, *identity, output);
  EXPECT_EQ(moved.ToString(),
            "IoError: cannot move the new file into place at " + output.string() + ": Permission denied");
  EXPECT_EQ(env.renames(), 1);
  EXPECT_TRUE(leftovers().empty()) << leftovers().front();
  EXPECT_TRUE(RegisteredTempFiles().empty());

  env.FailRenames(0);  // the same job with a healthy disk writes the image
  Status ok = RunSwapJob(&env, **engine, *identity, output);
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(leftovers(), std::vector<std::string>{"swapped.png"});
  EXPECT_TRUE(media::LoadImage(output).ok());
}

}  // namespace
}  // namespace facefuse
