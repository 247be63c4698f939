#include <gtest/gtest.h>

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
