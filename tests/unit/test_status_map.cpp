// The one Status -> exit code / HTTP status table (common/status_map.h).
#include <gtest/gtest.h>

#include <set>

#include "common/status_map.h"

namespace facefuse {
namespace {

TEST(StatusMap, RuntimeFailuresExit1AndUsageErrorsExit2) {
  EXPECT_EQ(ExitCodeFor(Status::Ok()), kExitOk);
  EXPECT_EQ(ExitCodeFor(Status::Ok(), ErrorOrigin::kUsage), kExitOk);
  EXPECT_EQ(ExitCodeFor(NotFound("no face")), 1);
  EXPECT_EQ(ExitCodeFor(InvalidArgument("bad png")), 1);
  EXPECT_EQ(ExitCodeFor(InvalidArgument("--count must be at least 1"), ErrorOrigin::kUsage), 2);
  EXPECT_EQ(ExitCodeFor(IoError("disk full"), ErrorOrigin::kUsage), 2);
}

TEST(StatusMap, HttpStatusesFollowTheCode) {
  EXPECT_EQ(HttpStatusFor(Status::Ok()), 200);
  EXPECT_EQ(HttpStatusFor(InvalidArgument("bad png")), 400);
  EXPECT_EQ(HttpStatusFor(NotFound("no face")), 404);
  EXPECT_EQ(HttpStatusFor(Unsupported("op")), 501);
  EXPECT_EQ(HttpStatusFor(OutOfMemory("budget")), 503);
  EXPECT_EQ(HttpStatusFor(Internal("bug")), 500);
  EXPECT_EQ(HttpStatusFor(Unavailable("no GPU")), 503);
  EXPECT_EQ(HttpStatusFor(Cancelled("stopped")), 409);
  EXPECT_EQ(ExitCodeFor(Cancelled("stopped")), 130);
  EXPECT_EQ(HttpStatusFor(NotFound("x"), ErrorOrigin::kUsage), 400);
}

TEST(StatusMap, EveryCodeHasOneRowAndEveryFailureIsNonZero) {
  std::set<StatusCode> codes;
  for (const StatusMapping& row : StatusMappings()) {
    EXPECT_TRUE(codes.insert(row.code).second) << "two rows for " << StatusCodeName(row.code);
    if (row.code == StatusCode::kOk) continue;
    // A cancelled run exits as a shell reports SIGINT; every other failure exits 1.
    EXPECT_EQ(row.exit_code, row.code == StatusCode::kCancelled ? kExitCancelled : kExitFailure)
        << StatusCodeName(row.code);
    EXPECT_GE(row.http_status, 400) << StatusCodeName(row.code);
  }
  for (int code = static_cast<int>(StatusCode::kOk); code <= static_cast<int>(StatusCode::kCancelled); ++code)
    EXPECT_EQ(codes.count(static_cast<StatusCode>(code)), 1u) << StatusCodeName(static_cast<StatusCode>(code));
}

}  // namespace
}  // namespace facefuse
