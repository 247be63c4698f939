// MemoryBudget: parsing limits, counting claims, waiting for room; sessions
// admitting weights and activations against a budget; RunInBatches halving
// the batch when a run does not fit.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "facefuse/memory_budget.h"
#include "facefuse/runtime.h"
#include "runtime/loader/onnx_loader.h"
#include "tests/unit/face_fixtures.h"
#include "tools/standins/model_builder.h"

namespace facefuse {
namespace {

using namespace std::chrono_literals;
using testing::FixtureModel;

TEST(ByteSize, ParsesPlainCountsAndUnits) {
  struct Case { const char* text; std::uint64_t bytes; };
  const Case cases[] = {{"1048576", 1048576},      {"512MiB", 512ull << 20}, {"2GiB", 2ull << 30},
                        {"2gib", 2ull << 30},       {"2G", 2ull << 30},       {"1.5GiB", 3ull << 29},
                        {"1GB", 1000000000ull},     {"64 kB", 64000},         {"3K", 3072},
                        {"1TiB", 1ull << 40},       {"7b", 7}};
  for (const Case& c : cases) {
    auto r = ParseByteSize(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    EXPECT_EQ(*r, c.bytes) << c.text;
  }
}

TEST(ByteSize, RefusesMalformedAndHugeCounts) {
  for (const char* text : {"", "GiB", "-1", "2XB", "1.2.3", ".", "99999999999999999999", "8000000TiB", "1e9"}) {
    auto r = ParseByteSize(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(ByteSize, FormatsWithBinaryUnits) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(3ull << 20), "3.00 MiB");
  EXPECT_EQ(FormatBytes(2200ull << 20), "2.15 GiB");
}

TEST(MemoryLimit, AutoOrBytesButNeverZero) {
  auto a = ParseMemoryLimit("AUTO");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->automatic);
  auto b = ParseMemoryLimit("2GiB");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->automatic);
  EXPECT_EQ(b->bytes, 2ull << 30);
  EXPECT_FALSE(ParseMemoryLimit("0").ok());
  EXPECT_FALSE(ParseMemoryLimit("lots").ok());
}

TEST(MemoryLimit, AutoLeavesAReserveForOthers) {
  // 80 GiB card with 70 GiB free: 5 % of the total (4 GiB) stays free.
  EXPECT_EQ(AutoMemoryLimit(70ull << 30, 80ull << 30), 66ull << 30);
  // Small device: at least 256 MiB stays free.
  EXPECT_EQ(AutoMemoryLimit(1ull << 30, 2ull << 30), 768ull << 20);
  EXPECT_EQ(AutoMemoryLimit(100ull << 20, 2ull << 30), 0u);
}

TEST(MemoryLimit, ResolvesAutoFromTheDeviceAndRefusesWhenNothingIsLeft) {
  const DeviceMemoryInfo card{70ull << 30, 80ull << 30};
  auto fixed = ResolveMemoryLimit(MemoryLimitSpec{false, 2ull << 30}, card, "cuda:0");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(*fixed, 2ull << 30);
  auto automatic = ResolveMemoryLimit(MemoryLimitSpec{true, 0}, card, "cuda:0");
  ASSERT_TRUE(automatic.ok());
  EXPECT_EQ(*automatic, 66ull << 30);
  auto full = ResolveMemoryLimit(MemoryLimitSpec{true, 0}, DeviceMemoryInfo{100ull << 20, 2ull << 30}, "cuda:1");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kOutOfMemory);
  EXPECT_NE(full.status().message().find("cuda:1"), std::string::npos) << full.status().ToString();
}

TEST(MemoryLimit, ReadsHostMemoryFromMeminfo) {
  auto info = ParseMeminfo("MemTotal:       16384000 kB\nMemFree:  100 kB\nMemAvailable:    8192000 kB\n");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->total_bytes, 16384000ull * 1024);
  EXPECT_EQ(info->free_bytes, 8192000ull * 1024);
  EXPECT_EQ(ParseMeminfo("MemTotal: 5 kB\n").status().code(), StatusCode::kUnavailable);
  auto host = HostMemoryInfo();
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_GT(host->total_bytes, 0u);
  EXPECT_LE(host->free_bytes, host->total_bytes);
}

TEST(MemoryBudgetCounts, ClaimsReleasesAndKeepsThePeak) {
  auto budget = MemoryBudget::Create("cuda:0", 1000);
  {
    auto a = budget->Reserve(600, "weights");
    ASSERT_TRUE(a.ok());
    auto b = budget->Reserve(300, "arena");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(budget->in_use_bytes(), 900u);
    EXPECT_EQ(budget->available_bytes(), 100u);
    auto c = budget->Reserve(200, "output 0 of Conv 'x'");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kOutOfMemory);
    EXPECT_NE(c.status().message().find("output 0 of Conv 'x'"), std::string::npos) << c.status().ToString();
    EXPECT_NE(c.status().message().find("cuda:0"), std::string::npos) << c.status().ToString();
    EXPECT_EQ(budget->refusals(), 1u);
    ASSERT_TRUE(b->Resize(100).ok());  // shrinking always fits
    EXPECT_EQ(budget->in_use_bytes(), 700u);
    EXPECT_FALSE(b->Resize(500).ok());  // 600 + 500 > 1000: unchanged
    EXPECT_EQ(b->bytes(), 100u);
    EXPECT_TRUE(b->Resize(400).ok());
    EXPECT_EQ(budget->in_use_bytes(), 1000u);
    MemoryBudget::Reservation moved = std::move(*a);
    EXPECT_EQ(moved.bytes(), 600u);
    EXPECT_EQ(budget->in_use_bytes(), 1000u);  // a move transfers, never double-counts
  }
  EXPECT_EQ(budget->in_use_bytes(), 0u);
  EXPECT_EQ(budget->peak_bytes(), 1000u);
  budget->ResetPeak();
  EXPECT_EQ(budget->peak_bytes(), 0u);
}

TEST(MemoryBudgetCounts, ARequestAboveTheLimitFailsAtOnceEvenWhenWaiting) {
  auto budget = MemoryBudget::Create("cpu", 1000);
  auto start = std::chrono::steady_clock::now();
  auto r = budget->Reserve(1001, "a 4K frame", 5s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("can never fit"), std::string::npos) << r.status().ToString();
}

TEST(MemoryBudgetCounts, AWaitingClaimProceedsWhenAnotherIsReleased) {
  auto budget = MemoryBudget::Create("cpu", 1000);
  auto held = budget->Reserve(700, "first job");
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(budget->Reserve(500, "second job", 50ms).ok());  // times out while held
  auto waiter = std::async(std::launch::async, [&] { return budget->Reserve(500, "second job", 10s); });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(waiter.wait_for(0s), std::future_status::timeout);  // still queued
  held->Release();
  auto second = waiter.get();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(budget->in_use_bytes(), 500u);
  EXPECT_EQ(budget->peak_bytes(), 700u);  // never both at once
}

// --- sessions ------------------------------------------------------------

float MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  float m = 0;
  for (int64_t i = 0; i < std::min(a.size(), b.size()); ++i)
    m = std::max(m, std::fabs(a.data<float>()[i] - b.data<float>()[i]));
  return m;
}

class BudgetedSession : public ::testing::Test {
 protected:
  void SetUp() override {
    FF_REQUIRE_FIXTURES(FixtureModel("pfld_68"));
    auto in = rt::ReadTensorProtoFile(FixtureModel("pfld_68").parent_path() / "test_data_set_0" / "input_0.pb");
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    input_ = *in;
    auto plain = Open(nullptr);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    auto out = (*plain)->Run({input_});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    reference_ = *out;
  }
  Result<std::unique_ptr<Session>> Open(std::shared_ptr<MemoryBudget> budget, std::chrono::milliseconds wait = 0ms) {
    SessionOptions o;
    o.threads = testing::kFixtureThreads;
    o.memory_budget = std::move(budget);
    o.memory_wait = wait;
    return Session::Open(FixtureModel("pfld_68"), o);
  }
  // What one session claims at most over two runs (recording, then planned).
  std::uint64_t SessionPeak() {
    auto budget = MemoryBudget::Create("cpu", 1ull << 40);
    auto s = Open(budget);
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE((*s)->Run({input_}).ok());
    EXPECT_TRUE((*s)->Run({input_}).ok());
    return budget->peak_bytes();
  }
  Tensor input_;
  std::vector<Tensor> reference_;
};

TEST_F(BudgetedSession, WeightsAreClaimedWhileOpenAndRefusedWhenTheyDoNotFit) {
  auto budget = MemoryBudget::Create("cpu", 1ull << 40);
  size_t weights = 0;
  {
    FF_ASSERT_OK_AND_ASSIGN(auto session, Open(budget));
    weights = session->stats().weight_bytes;
    EXPECT_GT(weights, 100000u);
    EXPECT_EQ(budget->in_use_bytes(), weights);
  }
  EXPECT_EQ(budget->in_use_bytes(), 0u);
  auto small = MemoryBudget::Create("cpu", weights - 1);
  auto refused = Open(small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kOutOfMemory);
  EXPECT_NE(refused.status().message().find("weights"), std::string::npos) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("pfld_68"), std::string::npos) << refused.status().ToString();
}

TEST_F(BudgetedSession, RunsGiveTheSameOutputsAndHoldOnlyWeightsAndArenaAfterwards) {
  auto budget = MemoryBudget::Create("cpu", 1ull << 40);
  FF_ASSERT_OK_AND_ASSIGN(auto session, Open(budget));
  for (int run = 0; run < 2; ++run) {  // recording run, then a planned run
    FF_ASSERT_OK_AND_ASSIGN(auto out, session->Run({input_}));
    ASSERT_EQ(out.size(), reference_.size());
    for (size_t i = 0; i < out.size(); ++i) EXPECT_LE(MaxAbsDiff(out[i], reference_[i]), 1e-6f);
    EXPECT_GE(budget->in_use_bytes(), session->stats().weight_bytes + out[0].bytes());  // outputs are counted
  }
  const SessionStats st = session->stats();
  EXPECT_GT(st.peak_activation_bytes, 0u);
  EXPECT_EQ(budget->in_use_bytes(), st.weight_bytes + st.peak_activation_bytes);
  EXPECT_GT(budget->peak_bytes(), budget->in_use_bytes());
}

TEST_F(BudgetedSession, ARunThatDoesNotFitFailsCleanlyAndTheSessionStaysUsable) {
  const std::uint64_t peak = SessionPeak();
  auto budget = MemoryBudget::Create("cpu", peak);
  FF_ASSERT_OK_AND_ASSIGN(auto session, Open(budget));
  auto blocker = budget->Reserve(budget->available_bytes() - 1000, "another job");
  ASSERT_TRUE(blocker.ok());
  auto failed = session->Run({input_});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kOutOfMemory) << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("cpu memory budget"), std::string::npos) << failed.status().ToString();
  EXPECT_EQ(budget->in_use_bytes(), session->stats().weight_bytes + blocker->bytes());  // nothing leaked
  blocker->Release();
  for (int run = 0; run < 2; ++run) {
    FF_ASSERT_OK_AND_ASSIGN(auto out, session->Run({input_}));
    EXPECT_LE(MaxAbsDiff(out[0], reference_[0]), 1e-6f);
  }
  EXPECT_LE(budget->peak_bytes(), peak);
}

TEST_F(BudgetedSession, ARunWaitsForAnotherJobInsteadOfFailing) {
  const std::uint64_t peak = SessionPeak();
  auto budget = MemoryBudget::Create("cpu", peak);
  FF_ASSERT_OK_AND_ASSIGN(auto session, Open(budget, 10s));
  auto blocker = budget->Reserve(budget->available_bytes(), "another job");
  ASSERT_TRUE(blocker.ok());
  auto start = std::chrono::steady_clock::now();
  auto run = std::async(std::launch::async, [&] { return session->Run({input_}); });
  std::this_thread::sleep_for(200ms);
  blocker->Release();
  auto out = run.get();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_LE(MaxAbsDiff((*out)[0], reference_[0]), 1e-6f);
  EXPECT_LE(budget->peak_bytes(), peak);
}

// --- RunInBatches ------------------------------------------------------------

// Conv(3->8, 3x3) -> Relu -> Conv(8->4, 3x3) on [N,3,32,32], N dynamic.
std::string BatchModelBytes() {
  onnx::ModelProto model;
  standins::StartModel(&model);
  standins::ModelBuilder b(&model, 7, false);
  b.Input("x", {-1, 3, 32, 32});
  std::string h = b.Op("Relu", {b.Conv("x", 3, 8, 3, 1, 1)});
  b.Op("Identity", {b.Conv(h, 8, 4, 3, 1, 1)}, {}, "y");
  b.Output("y", {-1, 4, 32, 32});
  std::string bytes;
  EXPECT_TRUE(model.SerializeToString(&bytes));
  return bytes;
}

Result<std::unique_ptr<Session>> OpenBatchModel(const std::string& bytes, std::shared_ptr<MemoryBudget> budget) {
  SessionOptions o;
  o.threads = testing::kFixtureThreads;
  o.memory_budget = std::move(budget);
  return Session::OpenFromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, ".", o);
}

Tensor Items(int64_t n) {
  Tensor t = Tensor::Allocate(DataType::kFloat32, {n, 3, 32, 32}).value();
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = std::sin(0.01f * static_cast<float>(i));
  return t;
}

TEST(RunInBatches, SplitsIntoRunsAndMatchesOneRunPerItem) {
  const std::string bytes = BatchModelBytes();
  FF_ASSERT_OK_AND_ASSIGN(auto session, OpenBatchModel(bytes, nullptr));
  const Tensor items = Items(8);
  FF_ASSERT_OK_AND_ASSIGN(BatchedOutputs r, RunInBatches(*session, {items}, 3));
  EXPECT_EQ(r.runs, 3);  // 3 + 3 + 2
  EXPECT_EQ(r.halvings, 0);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].shape(), (Shape{8, 4, 32, 32}));
  FF_ASSERT_OK_AND_ASSIGN(BatchedOutputs single, RunInBatches(*session, {items}, 1));
  EXPECT_EQ(single.runs, 8);
  EXPECT_LE(MaxAbsDiff(r.outputs[0], single.outputs[0]), 1e-5f);
}

TEST(RunInBatches, HalvesTheBatchUntilItFitsTheBudget) {
  const std::string bytes = BatchModelBytes();
  // What a session claims for batches of 2 (recording run, then a planned run).
  std::uint64_t peak2 = 0;
  {
    auto budget = MemoryBudget::Create("cpu", 1ull << 40);
    FF_ASSERT_OK_AND_ASSIGN(auto s, OpenBatchModel(bytes, budget));
    FF_ASSERT_OK_AND_ASSIGN(BatchedOutputs r, RunInBatches(*s, {Items(4)}, 2));
    EXPECT_EQ(r.runs, 2);
    peak2 = budget->peak_bytes();
  }
  auto budget = MemoryBudget::Create("cpu", peak2);
  FF_ASSERT_OK_AND_ASSIGN(auto session, OpenBatchModel(bytes, budget));
  const Tensor items = Items(8);
  FF_ASSERT_OK_AND_ASSIGN(BatchedOutputs r, RunInBatches(*session, {items}, 8));
  EXPECT_EQ(r.batch_size, 2);
  EXPECT_EQ(r.halvings, 2);  // 8 -> 4 -> 2
  EXPECT_EQ(r.runs, 4);
  EXPECT_LE(budget->peak_bytes(), peak2);
  FF_ASSERT_OK_AND_ASSIGN(auto plain, OpenBatchModel(bytes, nullptr));
  FF_ASSERT_OK_AND_ASSIGN(BatchedOutputs reference, RunInBatches(*plain, {items}, 8));
  EXPECT_LE(MaxAbsDiff(r.outputs[0], reference.outputs[0]), 1e-5f);
}

TEST(RunInBatches, ReportsWhenNotEvenOneItemFits) {
  const std::string bytes = BatchModelBytes();
  auto budget = MemoryBudget::Create("cpu", 4096);  // the weights (~2 kB) fit, one item's activations do not
  FF_ASSERT_OK_AND_ASSIGN(auto session, OpenBatchModel(bytes, budget));
  auto r = RunInBatches(*session, {Items(4)}, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfMemory);
  EXPECT_NE(r.status().message().find("single item"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(budget->in_use_bytes(), session->stats().weight_bytes);
}

TEST(RunInBatches, RefusesInputsWithoutACommonItemCount) {
  const std::string bytes = BatchModelBytes();
  FF_ASSERT_OK_AND_ASSIGN(auto session, OpenBatchModel(bytes, nullptr));
  EXPECT_EQ(RunInBatches(*session, {}, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RunInBatches(*session, {Items(2)}, 0).status().code(), StatusCode::kInvalidArgument);
  Tensor scalar = Tensor::Allocate(DataType::kFloat32, {}).value();
  EXPECT_EQ(RunInBatches(*session, {scalar}, 2).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facefuse
