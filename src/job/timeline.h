// When a job and its stages ran: the one clock and span type the job record,
// the GPU report and its chart share.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace facefuse::job {

using Clock = std::chrono::system_clock;

// One stage run (model_load, decode, detect, swap, enhance, write) on one frame or image.
struct StageSpan {
  std::string stage;
  Clock::time_point start;
  Clock::time_point end;
};

// How busy the concurrent stages of a pipelined job (a video's decode,
// analyse, swap and encode) were over the interval that ends at `at`: each
// stage's working time as a share of that interval's wall time, in percent.
struct StageLoadSample {
  Clock::time_point at;
  std::vector<std::pair<std::string, double>> busy_percent;  // (stage, 0..100)
};

// A job's life on the Clock: set as it enters queued, running and a final state.
// A time not reached yet is the epoch (Clock::time_point{}).
struct Timeline {
  Clock::time_point created, started, finished;
  // finished - started in seconds; 0 before the job has finished.
  double seconds() const {
    if (finished < started) return 0;
    return std::chrono::duration<double>(finished - started).count();
  }
};

// Replaces the last of `stages` with consecutive parts of it, each named by
// `parts_ms` and lasting its share of the span (milliseconds: engines that time
// their stages report totals); parts of 0 ms are left out. With no stages, or
// no part above 0 ms, `stages` stays as it was.
void SplitLastStage(std::vector<StageSpan>& stages, const std::vector<std::pair<std::string, double>>& parts_ms);

}  // namespace facefuse::job
