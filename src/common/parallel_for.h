// Loops shared out between OpenMP threads, or run on the calling thread with no parallel region at all.
//
// An OpenMP `if (false)` clause does not spare the region: GCC still calls libgomp, which sets up a team of one
// thread for it (1.6 us alone on the 2-core test machine, 3-6 us inside a model's run), where a small Concat, pool
// or Gather is well under a microsecond of work. These helpers test first and enter a region only to share work.
#pragma once

#include <cstdint>

namespace facefuse {

// fn(i) for every i in [0, n): shared statically between `threads` OpenMP threads when `parallel`, threads > 1 and
// n > 1; else in order on the calling thread, with no parallel region. fn must not throw.
template <typename F>
void ParallelFor(int64_t n, bool parallel, int threads, F&& fn) {
  if (!parallel || threads <= 1 || n <= 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t i = 0; i < n; ++i) fn(i);
}

// As ParallelFor, with scratch state: fn(i, scratch), where each thread's scratch is make_scratch() made once by
// that thread (once in all on the calling thread). Neither may throw.
template <typename MakeScratch, typename F>
void ParallelForWithScratch(int64_t n, bool parallel, int threads, MakeScratch&& make_scratch, F&& fn) {
  if (!parallel || threads <= 1 || n <= 1) {
    auto scratch = make_scratch();
    for (int64_t i = 0; i < n; ++i) fn(i, scratch);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    auto scratch = make_scratch();
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) fn(i, scratch);
  }
}

}  // namespace facefuse
