// Process-wide settings the facefuse command gives itself at start-up: how
// long the kernels' OpenMP threads spin while they wait for work, and huge
// pages for malloc. Both are read by libraries as they load, before main;
// hence an exec.
#pragma once

namespace facefuse::cli {

// Re-executes this process once with, where the user has not set them:
//
// - GOMP_SPINCOUNT=10000 (unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set):
//   libgomp's threads spin briefly, then sleep. Its default spin (300000)
//   wins nothing on an idle machine and costs a great deal whenever other
//   threads want the cores (a video job's decoder and encoder, another
//   process, a container's CPU quota); sleeping at once (PASSIVE) costs a
//   third of the video throughput on an idle machine. Measured on 2 cores
//   (docs/benchmarks.md): video swap 15.2 fps idle / 4.8 fps with two busy
//   processes beside it, against 13.5 / 1.1 for libgomp's default and 10.0 /
//   4.7 for PASSIVE.
// - GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (unless GLIBC_TUNABLES is set):
//   glibc's malloc asks for transparent huge pages, so a model's weights and
//   activations are faulted in 2 MB at a time. On a virtual machine where a
//   4 KB page fault cost about 11 us, PFLD-68's open-to-first-result went
//   from 63 to 28-40 ms (docs/benchmarks.md, "Start-up"). A glibc without the
//   tunable ignores it; a kernel without huge pages changes nothing.
//
// Nothing is re-executed when the user asked for OpenMP thread binding
// (OMP_PROC_BIND, OMP_PLACES or GOMP_CPU_AFFINITY): libgomp has bound this
// thread to its first place already, and an exec would keep that one-CPU
// mask; nor for a setuid or file-capability program (AT_SECURE), whose loader
// drops GLIBC_TUNABLES. At most one exec: the new process finds
// FACEFUSE_REEXECUTED set, removes it and returns. Returns only when no exec
// happened (nothing to set, or the exec failed: the process then runs on with
// the environment it was given, the variables this call set removed again).
// Call first thing in main.
void ReexecWithProcessDefaults(char** argv);

}  // namespace facefuse::cli
