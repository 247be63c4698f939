// Reads that go through Env and can now be made to fail or be timed on
// purpose: a model's external data read at an offset, /proc files read to
// their end, two names for one file, and the wall clock that stamps GPU
// readings.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"
#include "gpu/nvml_source.h"
#include "runtime/loader/onnx_loader.h"
#include "tests/unit/fault_env.h"

namespace facefuse {
namespace {

namespace fs = std::filesystem;
using testing_env::FaultEnv;

class EnvRouted : public testing_env::TempDirTest {
 protected:
  EnvRouted() : TempDirTest("env_routed") {}

  void Write(const fs::path& path, const std::string& bytes) {
    ASSERT_TRUE(WriteStringToFile(Env::Default(), path, bytes).ok());
  }

};

// Y = Identity(W), W two floats stored in weights.bin after a 4-byte header.
std::string ExternalWeightModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto& [key, value] : {std::pair{"location", "weights.bin"}, {"offset", "4"}, {"length", "8"}}) {
    auto* entry = w->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  }
  onnx::NodeProto* n = g->add_node();
  n->set_op_type("Identity");
  n->add_input("W");
  n->add_output("Y");
  onnx::ValueInfoProto* y = g->add_output();
  y->set_name("Y");
  y->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return m.SerializeAsString();
}

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST_F(EnvRouted, ExternalDataReadFailureIsAnIoErrorNamingTheFile) {
  const float weights[2] = {1.5f, -2.5f};
  Write(dir_ / "weights.bin", "HEAD" + std::string(reinterpret_cast<const char*>(weights), sizeof weights));
  const std::string model = ExternalWeightModel();
  FaultEnv env;

  auto loaded = rt::LoadOnnxModelFromBytes(Bytes(model), dir_, &env);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Tensor& w = loaded->initializers.at("W");
  EXPECT_EQ(w.span<float>()[0], 1.5f);
  EXPECT_EQ(w.span<float>()[1], -2.5f);

  env.FailRangedReads(EIO);
  auto failed = rt::LoadOnnxModelFromBytes(Bytes(model), dir_, &env);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  EXPECT_NE(failed.status().message().find("tensor 'W'"), std::string::npos) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("reading " + (dir_ / "weights.bin").string() + " failed"),
            std::string::npos)
      << failed.status().ToString();
}

TEST_F(EnvRouted, RangedReadsStopAtTheEndOfTheFile) {
  Write(dir_ / "data.bin", "0123456789");
  auto file = Env::Default()->NewRandomAccessFile(dir_ / "data.bin");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(*(*file)->Size(), 10u);
  std::vector<uint8_t> buffer(8);
  auto n = (*file)->Read(6, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buffer.begin(), buffer.begin() + static_cast<long>(*n)), "6789");
  EXPECT_EQ(Env::Default()->NewRandomAccessFile(dir_ / "missing.bin").status().code(), StatusCode::kNotFound);
}

TEST_F(EnvRouted, ProcFilesAreReadToTheirEndThoughTheyReportNoSize) {
  std::string whole;
  ASSERT_TRUE(Env::Default()->ReadFile("/proc/self/status", 1 << 20, &whole).ok());
  EXPECT_TRUE(whole.empty());  // the size check sees 0 bytes
  std::string text;
  ASSERT_TRUE(ReadFileToEnd(Env::Default(), "/proc/self/status", 1 << 20, &text).ok());
  EXPECT_NE(text.find("VmRSS:"), std::string::npos);
  const Status over = ReadFileToEnd(Env::Default(), "/proc/self/status", 16, &text);
  EXPECT_EQ(over.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.message().find("holds more than 16 bytes"), std::string::npos) << over.ToString();
}

TEST_F(EnvRouted, SameFileMeansTheSameInode) {
  Write(dir_ / "a", "x");
  Write(dir_ / "b", "x");
  fs::create_symlink(dir_ / "a", dir_ / "link");
  Env* env = Env::Default();
  EXPECT_TRUE(env->IsSameFile(dir_ / "a", dir_ / "link"));
  EXPECT_TRUE(env->IsSameFile(dir_ / "a", dir_ / "." / "a"));
  EXPECT_FALSE(env->IsSameFile(dir_ / "a", dir_ / "b"));
  EXPECT_FALSE(env->IsSameFile(dir_ / "missing", dir_ / "missing"));
}

TEST(EnvRoutedClock, GpuReadingsTakeTheEnvsWallClock) {
  setenv("FACEFUSE_NVML_LIBRARY", FACEFUSE_FAKE_NVML, 1);
  FaultEnv env;
  const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1714566896));
  env.SetNow(when);
  auto source = gpu::OpenNvml(&env);
  unsetenv("FACEFUSE_NVML_LIBRARY");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto readings = (*source)->Read();
  ASSERT_TRUE(readings.ok()) << readings.status().ToString();
  ASSERT_FALSE(readings->empty());
  for (const auto& s : *readings) EXPECT_EQ(s.time, when);
}

}  // namespace
}  // namespace facefuse
