#include "cli/process_defaults.h"

#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <initializer_list>

namespace facefuse::cli {
namespace {

// Set in the environment of the exec'd process: it must not exec again, whatever its loader did to the rest of the
// environment (glibc deletes GLIBC_TUNABLES for setuid and file-capability programs, which would otherwise look unset
// to every new image and exec it again and again).
constexpr const char* kReexecuted = "FACEFUSE_REEXECUTED";

}  // namespace

void ReexecWithProcessDefaults(char** argv) {
  if (std::getenv(kReexecuted) != nullptr) {
    unsetenv(kReexecuted);  // not handed on to anything this process starts
    return;
  }
  // A setuid or file-capability program: the loader ignores (or deletes) GLIBC_TUNABLES; no exec.
  if (getauxval(AT_SECURE) != 0) return;
  // With thread binding asked for, libgomp has already bound this (the initial) thread to its first place as it
  // loaded, and an exec keeps that mask: the new process's libgomp would see one CPU and put every thread on it
  // (PFLD at 2 threads: 4.1 ms instead of 1.9).
  for (const char* binding : {"OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"})
    if (std::getenv(binding) != nullptr) return;
  bool set_spin = false, set_tunables = false;
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr)
    set_spin = setenv("GOMP_SPINCOUNT", "10000", /*overwrite=*/0) == 0;
  if (std::getenv("GLIBC_TUNABLES") == nullptr)
    set_tunables = setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", /*overwrite=*/0) == 0;
  if (!set_spin && !set_tunables) return;
  if (setenv(kReexecuted, "1", /*overwrite=*/1) == 0) execv("/proc/self/exe", argv);
  // No exec: this process keeps the defaults it has, and its children the user's environment.
  unsetenv(kReexecuted);
  if (set_spin) unsetenv("GOMP_SPINCOUNT");
  if (set_tunables) unsetenv("GLIBC_TUNABLES");
}

}  // namespace facefuse::cli
