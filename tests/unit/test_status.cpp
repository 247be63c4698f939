#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/allocation_faults.h"
#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd");
  return x / 2;
}

Status Chain(int x, int* out) {
  FF_ASSIGN_OR_RETURN(int h, Half(x));
  FF_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(Status, PropagatesErrorsThroughMacros) {
  int v = 0;
  EXPECT_TRUE(Chain(8, &v).ok());
  EXPECT_EQ(v, 2);
  Status s = Chain(6, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "InvalidArgument: odd");
  EXPECT_EQ(s.WithContext("step").message(), "step: odd");
}

TEST(Tensor, AllocateRejectsBadShapes) {
  EXPECT_EQ(Tensor::Allocate(DataType::kFloat32, {2, -1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Tensor::Allocate(DataType::kString, {2}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Tensor::Allocate(DataType::kFloat32, {int64_t{1} << 40, int64_t{1} << 40}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Tensor::Allocate(DataType::kFloat32, {int64_t{1} << 30, 1024}).status().code(), StatusCode::kOutOfMemory);
}

// The host allocator's contract: 64-byte aligned, zeroed, and the size rounded up to 64 bytes usable (kernels
// with SIMD tails may touch it; ASan builds check the writes below stay inside the block). Sizes cover a
// small block, one just past a multiple of 64, and blocks large enough to come straight from the kernel.
TEST(Tensor, AllocateIsAlignedZeroedAndRoundedUp) {
  for (int64_t n : {int64_t{1}, int64_t{17}, int64_t{1000}, int64_t{(1 << 20) + 3}, int64_t{(16 << 20) + 5}}) {
    SCOPED_TRACE(n);
    std::vector<Tensor> keep;  // several live at once, so that blocks are not simply reused
    for (int i = 0; i < 3; ++i) {
      auto t = Tensor::Allocate(DataType::kUInt8, {n});
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      ASSERT_EQ(reinterpret_cast<uintptr_t>(t->raw()) % 64, 0u);
      const auto* bytes = t->data<uint8_t>();
      ASSERT_TRUE(std::all_of(bytes, bytes + n, [](uint8_t b) { return b == 0; }));
      const size_t rounded = static_cast<size_t>((n + 63) / 64 * 64);
      std::memset(t->raw(), 0xab, rounded);
      keep.push_back(*t);
    }
    keep.clear();  // freed through the pointer kept before each block
    auto again = Tensor::Allocate(DataType::kUInt8, {n});  // a reused block is zeroed too
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(std::all_of(again->data<uint8_t>(), again->data<uint8_t>() + n, [](uint8_t b) { return b == 0; }));
  }
}

TEST(Tensor, InjectedAllocationFailureIsReported) {
  FailNthAllocationForTesting(2);
  EXPECT_TRUE(Tensor::Allocate(DataType::kFloat32, {4}).ok());
  EXPECT_EQ(Tensor::Allocate(DataType::kFloat32, {4}).status().code(), StatusCode::kOutOfMemory);
  EXPECT_TRUE(Tensor::Allocate(DataType::kFloat32, {4}).ok());
}

TEST(Tensor, ReshapeKeepsBytesAndChecksCount) {
  auto t = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3}).value();
  auto r = t.Reshaped({3, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->raw(), t.raw());
  EXPECT_FALSE(t.Reshaped({4, 2}).ok());
}

}  // namespace
}  // namespace facefuse
