// ParallelFor / ParallelForWithScratch (common/parallel_for.h): every index once, and no parallel region at all
// unless the work is shared (libgomp sets up a region even for `if (false)`, which cost small kernels 3-6 us each).
#include "common/parallel_for.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <vector>

namespace facefuse {
namespace {

struct Visits {
  explicit Visits(int64_t n) : count(static_cast<size_t>(n)) {}
  std::vector<std::atomic<int>> count;
  std::atomic<int> in_region{0};  // visits inside a parallel region, a team of one included
  std::atomic<int> team{0};       // the largest team seen
  void Visit(int64_t i) {
    count[static_cast<size_t>(i)].fetch_add(1);
    if (omp_get_level() > 0) in_region.fetch_add(1);  // omp_in_parallel() is false in a team of one
    int seen = team.load();
    while (omp_get_num_threads() > seen && !team.compare_exchange_weak(seen, omp_get_num_threads())) {
    }
  }
  bool EachOnce() const {
    for (const auto& c : count)
      if (c.load() != 1) return false;
    return true;
  }
};

TEST(ParallelFor, RunsOnTheCallingThreadUnlessItShares) {
  constexpr int64_t kN = 1000;
  struct Case {
    const char* name;
    bool parallel;
    int threads;
  };
  for (const Case& c : {Case{"not parallel", false, 4}, Case{"one thread", true, 1}}) {
    SCOPED_TRACE(c.name);
    Visits v(kN);
    std::vector<int64_t> order;
    ParallelFor(kN, c.parallel, c.threads, [&](int64_t i) {
      v.Visit(i);
      order.push_back(i);
    });
    EXPECT_TRUE(v.EachOnce());
    EXPECT_EQ(v.in_region.load(), 0);  // no parallel region was entered
    for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(order[static_cast<size_t>(i)], i);
  }
  Visits shared(kN);
  ParallelFor(kN, true, 2, [&](int64_t i) { shared.Visit(i); });
  EXPECT_TRUE(shared.EachOnce());
  EXPECT_EQ(shared.in_region.load(), kN);  // a region (of two threads, or fewer where OMP_THREAD_LIMIT says so)
}

TEST(ParallelForWithScratch, OneScratchPerThread) {
  constexpr int64_t kN = 500;
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    Visits v(kN);
    std::atomic<int> made{0};
    ParallelForWithScratch(
        kN, true, threads,
        [&] {
          made.fetch_add(1);
          return std::vector<int64_t>();
        },
        [&](int64_t i, std::vector<int64_t>& seen) {
          v.Visit(i);
          seen.push_back(i);
        });
    EXPECT_TRUE(v.EachOnce());
    EXPECT_EQ(v.in_region.load(), threads == 1 ? 0 : kN);
    EXPECT_EQ(made.load(), threads == 1 ? 1 : v.team.load());  // one per thread of the team libgomp gave
  }
}

}  // namespace
}  // namespace facefuse
