// The model catalog's data, the models-directory order and model resolution.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "models/catalog.h"
#include "models/models_dir.h"
#include "models/sha256.h"

namespace facefuse::models {
namespace {

namespace fs = std::filesystem;

const fs::path kRepoModels = fs::path(FACEFUSE_SOURCE_DIR) / "models";

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ =
        fs::temp_directory_path() / ("facefuse-models-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

TEST(ModelsCatalog, NamesAndFileNamesAreUnique) {
  std::set<std::string_view> names, files;
  for (const ModelEntry& e : Catalog()) {
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate name " << e.name;
    EXPECT_TRUE(files.insert(e.file_name).second) << "duplicate file " << e.file_name;
    EXPECT_EQ(FindModel(e.name), &e);
  }
  EXPECT_EQ(FindModel("no_such_model"), nullptr);
}

TEST(ModelsCatalog, HasEveryModelThePipelineNames) {
  // clang-format off
  for (const char* name :
       {"yunet_2023mar", "scrfd_2.5g", "det_500m", "det_2.5g", "det_10g", "retinaface_mnet025", "yoloface_8n",
        "2dfan4", "face_mesh_468", "blazeface_front", "arcface_w600k_r50", "recognizer_512", "inswapper_128",
        "inswapper_128_fp16", "hyperswap_1a_256", "hyperswap_1b_256", "hyperswap_1c_256", "simswap_256",
        "simswap_unofficial_512", "gfpgan_1.2", "gfpgan_1.3", "gfpgan_1.4", "codeformer", "gpen_bfr_256",
        "gpen_bfr_512", "xseg_1", "bisenet_resnet_34"}) {
    // clang-format on
    EXPECT_NE(FindModel(name), nullptr) << name;
  }
}

TEST(ModelsCatalog, EntriesAreWellFormed) {
  for (const ModelEntry& e : Catalog()) {
    SCOPED_TRACE(std::string(e.name));
    EXPECT_TRUE(e.file_name.ends_with(".onnx"));
    EXPECT_TRUE(e.sha256.empty() || IsLowerHex64(e.sha256)) << e.sha256;
    EXPECT_TRUE(e.url.starts_with("https://")) << e.url;
    EXPECT_TRUE(e.mirror_url.empty() || e.mirror_url.starts_with("https://")) << e.mirror_url;
    EXPECT_FALSE(e.licence.empty());
    EXPECT_FALSE(e.contract.empty());
    EXPECT_NE(ModelKindName(e.kind), "unknown");
  }
}

TEST(ModelsCatalog, KnownPinsMatchTheFixtures) {
  // Values from fixtures/SHA256SUMS: InsightFace det_500m / det_2.5g and the bundled YuNet.
  EXPECT_EQ(FindModel("det_500m")->sha256, "5e4447f50245bbd7966bd6c0fa52938c61474a04ec7def48753668a9d8b4ea3a");
  EXPECT_EQ(FindModel("det_2.5g")->sha256, "041f73f47371333d1d17a6fee6c8ab4e6aecabefe398ff32cca4e2d5eaee0af9");
  EXPECT_EQ(FindModel("yunet_2023mar")->sha256, "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4");
  EXPECT_FALSE(Downloadable(*FindModel("det_10g")));  // ships inside buffalo_l.zip
  EXPECT_TRUE(Downloadable(*FindModel("inswapper_128")));
}

TEST(ModelsCatalog, BundledModelsMatchTheFilesInModels) {
  // models/SHA256SUMS lists exactly the bundled models.
  std::map<std::string, std::string> sums;
  std::ifstream in(kRepoModels / "SHA256SUMS");
  ASSERT_TRUE(in) << "cannot read models/SHA256SUMS";
  std::string sha, file;
  while (in >> sha >> file) sums[file] = sha;
  ASSERT_FALSE(sums.empty());
  size_t bundled = 0;
  for (const ModelEntry& e : Catalog()) {
    if (!e.bundled) continue;
    ++bundled;
    SCOPED_TRACE(std::string(e.name));
    const fs::path file_path = kRepoModels / e.file_name;
    ASSERT_TRUE(fs::is_regular_file(file_path)) << file_path;
    EXPECT_EQ(fs::file_size(file_path), e.size_bytes);
    auto actual = Sha256OfFile(file_path);
    ASSERT_TRUE(actual.ok()) << actual.status().ToString();
    EXPECT_EQ(*actual, e.sha256);
    EXPECT_EQ(sums[std::string(e.file_name)], e.sha256);
  }
  EXPECT_EQ(bundled, sums.size());
}

TEST(ModelsCatalog, Sha256OfFileMatchesKnownVectors) {
  TempDir tmp;
  WriteFile(tmp.path() / "abc", "abc");
  WriteFile(tmp.path() / "empty", "");
  EXPECT_EQ(*Sha256OfFile(tmp.path() / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(*Sha256OfFile(tmp.path() / "empty"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256OfFile(tmp.path() / "missing").status().code(), StatusCode::kNotFound);
}

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(ModelsDir, FlagBeatsEnvBeatsXdgBeatsHome) {
  auto env = FakeEnv({{"FACEFUSE_MODELS_DIR", "/env/models"}, {"XDG_DATA_HOME", "/xdg"}, {"HOME", "/home/u"}});
  EXPECT_EQ(ResolveModelsDir("/flag/models", env)->path, "/flag/models");
  EXPECT_EQ(ResolveModelsDir("/flag/models", env)->source, "--models-dir");
  EXPECT_EQ(ResolveModelsDir("", env)->path, "/env/models");
  EXPECT_EQ(ResolveModelsDir("", env)->source, "FACEFUSE_MODELS_DIR");
  auto xdg = FakeEnv({{"FACEFUSE_MODELS_DIR", ""}, {"XDG_DATA_HOME", "/xdg"}, {"HOME", "/home/u"}});
  EXPECT_EQ(ResolveModelsDir("", xdg)->path, "/xdg/facefuse/models");
  auto relative_xdg = FakeEnv({{"XDG_DATA_HOME", "relative"}, {"HOME", "/home/u"}});
  EXPECT_EQ(ResolveModelsDir("", relative_xdg)->path, "/home/u/.local/share/facefuse/models");
  EXPECT_EQ(ResolveModelsDir("", relative_xdg)->source, "HOME");
  auto nothing = ResolveModelsDir("", FakeEnv({}));
  EXPECT_EQ(nothing.status().code(), StatusCode::kFailedPrecondition);
}

TEST(ModelsDir, ResolvesNamesAndPaths) {
  TempDir tmp;
  ModelsDir dir{tmp.path() / "models", "--models-dir"};
  fs::create_directories(dir.path);
  WriteFile(dir.path / "inswapper_128.onnx", "x");
  WriteFile(tmp.path() / "custom.onnx", "y");
  EXPECT_EQ(*ResolveModel("inswapper_128", dir), dir.path / "inswapper_128.onnx");
  EXPECT_EQ(*ResolveModel((tmp.path() / "custom.onnx").string(), dir), tmp.path() / "custom.onnx");
  EXPECT_EQ(*ResolveModel("inswapper_128.onnx", dir), dir.path / "inswapper_128.onnx");  // bare catalog file name
  // A bundled model is found in the repository's models/ when the models directory lacks it.
  auto yunet = ResolveModel("yunet_2023mar", dir);
  ASSERT_TRUE(yunet.ok()) << yunet.status().ToString();
  EXPECT_EQ(fs::canonical(*yunet), fs::canonical(kRepoModels / "face_detection_yunet_2023mar.onnx"));
  // ... but a complete copy in the models directory wins.
  fs::copy_file(kRepoModels / "face_detection_yunet_2023mar.onnx", dir.path / "face_detection_yunet_2023mar.onnx");
  EXPECT_EQ(*ResolveModel("yunet_2023mar", dir), dir.path / "face_detection_yunet_2023mar.onnx");
}

TEST(ModelsDir, InspectsTheSizeOfWhatIsThere) {
  TempDir tmp;
  ModelsDir dir{tmp.path(), "--models-dir"};
  const ModelEntry& gfpgan = *FindModel("gfpgan_1.4");  // size pinned
  const ModelEntry& codeformer = *FindModel("codeformer");  // nothing pinned
  EXPECT_EQ(InspectInstallation(gfpgan, dir).state, InstallState::kMissing);
  EXPECT_TRUE(InspectInstallation(gfpgan, dir).path.empty());

  WriteFile(tmp.path() / "gfpgan_1.4.onnx.part", "half");
  Installation partial = InspectInstallation(gfpgan, dir);
  EXPECT_EQ(partial.state, InstallState::kPartial);
  EXPECT_EQ(partial.path, tmp.path() / "gfpgan_1.4.onnx.part");
  EXPECT_EQ(partial.size_bytes, 4u);

  WriteFile(tmp.path() / "gfpgan_1.4.onnx", "");  // a 0-byte file beats the .part, and is not installed
  EXPECT_EQ(InspectInstallation(gfpgan, dir).state, InstallState::kIncomplete);
  WriteFile(tmp.path() / "gfpgan_1.4.onnx", "truncated");
  Installation truncated = InspectInstallation(gfpgan, dir);
  EXPECT_EQ(truncated.state, InstallState::kIncomplete);
  EXPECT_EQ(truncated.size_bytes, 9u);
  fs::resize_file(tmp.path() / "gfpgan_1.4.onnx", gfpgan.size_bytes + 1);
  EXPECT_EQ(InspectInstallation(gfpgan, dir).state, InstallState::kWrongSize);
  fs::resize_file(tmp.path() / "gfpgan_1.4.onnx", gfpgan.size_bytes);  // sparse: no disk used
  EXPECT_EQ(InspectInstallation(gfpgan, dir).state, InstallState::kInstalled);

  WriteFile(tmp.path() / "codeformer.onnx", "");
  EXPECT_EQ(InspectInstallation(codeformer, dir).state, InstallState::kIncomplete);  // 0 bytes is never a model
  WriteFile(tmp.path() / "codeformer.onnx", "some bytes");
  EXPECT_EQ(InspectInstallation(codeformer, dir).state, InstallState::kUnverified);
  EXPECT_EQ(InstallStateName(InstallState::kUnverified), "unverified");
  EXPECT_EQ(InstallStateName(InstallState::kWrongSize), "wrong size");
}

TEST(ModelsDir, AnIncompleteFileIsNamedNotUsed) {
  TempDir tmp;
  ModelsDir dir{tmp.path(), "--models-dir"};
  WriteFile(tmp.path() / "inswapper_128.onnx", "");
  auto empty = ResolveModel("inswapper_128", dir);
  ASSERT_EQ(empty.status().code(), StatusCode::kFailedPrecondition);
  const std::string m = empty.status().message();
  EXPECT_NE(m.find((tmp.path() / "inswapper_128.onnx").string() + " is incomplete: 0 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("facefuse models download inswapper_128"), std::string::npos) << m;

  // A truncated copy of a bundled model in the models directory is reported, not skipped for the bundled one.
  WriteFile(tmp.path() / "face_detection_yunet_2023mar.onnx", "z");
  auto yunet = FindInstalledModel(*FindModel("yunet_2023mar"), dir);
  ASSERT_EQ(yunet.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(yunet.status().message().find("1 bytes, the catalog says 232589"), std::string::npos)
      << yunet.status().message();

  // An archive-only model says what to extract.
  WriteFile(tmp.path() / "det_10g.onnx", "");
  std::string det = FindInstalledModel(*FindModel("det_10g"), dir).status().message();
  EXPECT_NE(det.find("extracted from https://"), std::string::npos) << det;
}

TEST(ModelsDir, NotFoundSaysWhatToPutWhere) {
  TempDir tmp;
  ModelsDir dir{tmp.path(), "FACEFUSE_MODELS_DIR"};
  auto missing = ResolveModel("inswapper_128", dir);
  ASSERT_EQ(missing.status().code(), StatusCode::kNotFound);
  const std::string m = missing.status().message();
  EXPECT_NE(m.find("inswapper_128.onnx"), std::string::npos) << m;
  EXPECT_NE(m.find(tmp.path().string()), std::string::npos) << m;
  EXPECT_NE(m.find("FACEFUSE_MODELS_DIR"), std::string::npos) << m;
  EXPECT_NE(m.find("facefuse models download inswapper_128"), std::string::npos) << m;
  EXPECT_NE(m.find(FindModel("inswapper_128")->url), std::string::npos) << m;

  std::string archive = ResolveModel("det_10g", dir).status().message();
  EXPECT_NE(archive.find("extract det_10g.onnx from https://"), std::string::npos) << archive;
  EXPECT_EQ(archive.find("models download"), std::string::npos) << archive;

  std::string unpinned = ResolveModel("codeformer", dir).status().message();
  EXPECT_NE(unpinned.find("not pinned"), std::string::npos) << unpinned;

  EXPECT_EQ(ResolveModel("nonsense", dir).status().code(), StatusCode::kNotFound);
  EXPECT_NE(ResolveModel("nonsense", dir).status().message().find("facefuse models list"), std::string::npos);
  auto bad_path = ResolveModel((tmp.path() / "nope.onnx").string(), dir);
  EXPECT_NE(bad_path.status().message().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace facefuse::models
