// How long the kernels' OpenMP threads spin while they wait for work.
#pragma once

namespace facefuse::cli {

// Unless the user chose (OMP_WAIT_POLICY or GOMP_SPINCOUNT is set) or asked
// for thread binding (OMP_PROC_BIND, OMP_PLACES or GOMP_CPU_AFFINITY, which
// an exec would reduce to the first place),
// re-executes this process once with GOMP_SPINCOUNT=10000: libgomp's threads
// spin briefly, then sleep, while they wait for work. libgomp reads these
// variables once, as it loads, before main; hence the exec. Its default spin
// (300000) wins nothing on an idle machine and costs a great deal whenever
// other threads want the cores (a video job's decoder and encoder, another
// process, a container's CPU quota); sleeping at once (PASSIVE) costs a third
// of the video throughput on an idle machine. Measured on 2 cores
// (docs/benchmarks.md): video swap 15.2 fps idle / 4.8 fps with two busy
// processes beside it, against 13.5 / 1.1 for libgomp's default and 10.0 /
// 4.7 for PASSIVE. Returns only when no exec happened (a variable was set, or
// the exec failed: the process then runs on with libgomp's default). Call
// first thing in main.
void LimitOpenMpSpinning(char** argv);

}  // namespace facefuse::cli
