// How the kernels' OpenMP threads wait for work.
#pragma once

namespace facefuse::cli {

// Unless the user chose a policy (OMP_WAIT_POLICY is set), re-executes this
// process once with OMP_WAIT_POLICY=PASSIVE, so libgomp's threads sleep
// while they wait for work instead of spinning on the cores. libgomp reads
// the variable once, as it loads, before main; hence the exec. Spinning costs
// more than it saves whenever other threads want the cores: a video job's
// decoder and encoder, another process, a container's CPU quota (measured:
// an image swap at 2 threads on a busy 2-core machine took 783 ms spinning,
// 350 ms sleeping; docs/benchmarks.md). Returns only when no exec happened
// (the variable was set, or the exec failed: the process then runs on with
// libgomp's default). Call first thing in main.
void PreferPassiveOpenMpWait(char** argv);

}  // namespace facefuse::cli
