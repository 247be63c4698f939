// Range checks shared by the subcommands' options, declared once.
//
// The validators plug into CLI11 (`->check(FiniteIn(0, 1))`): they run while
// the command line is parsed, before any command does work, and CLI11 names
// the option in front of their message ("--mask-blur: nan is not a finite
// number"). A refused value exits with status 2 (main.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "facefuse/gpu.h"
#include "facefuse/status.h"

namespace facefuse::cli {

// A finite number in [lo, hi]: nan, inf and text are refused.
CLI::Validator FiniteIn(double lo, double hi);

// An integer in [lo, hi].
CLI::Validator IntIn(long long lo, long long hi);

// A whole multiple of `step` ("33" is refused for 32).
CLI::Validator MultipleOf(long long step);

// A path argument that is not empty ("" names no file).
CLI::Validator NonEmptyPath();

// --memory-limit: the syntax of a byte count or "auto" (whether "auto" finds free memory is checked later).
CLI::Validator MemoryLimitSyntax();

// The longest sampling --interval accepted, in seconds (one day): longer ones overflow the sampler's clock.
inline constexpr double kMaxIntervalSeconds = 86400;

// The largest --gpu INDEX accepted while parsing (negative indices are refused); CheckGpuIndex then checks it
// against the GPUs found.
inline constexpr long long kMaxGpuIndex = 1023;

// The most kernel threads a command accepts: 4 x the hardware threads.
int MaxThreads();

// --threads N: 0 (all cores) up to MaxThreads(); negative counts refused.
CLI::Validator ThreadCount();

// Whether `option` ("--pixel-boost") was given on `cmd`'s command line.
bool Given(const CLI::App& cmd, const std::string& option);

// Prints "COMMAND: warning: MESSAGE" on stderr (one line).
void Warn(const std::string& command, const std::string& message);

// The --gpu INDEX a command was given, against the GPUs `sampler` sees.
// Errors: InvalidArgument naming the index and the number of GPUs found, or
// saying that there is no GPU to report on when NVML is unavailable.
Status CheckGpuIndex(int index, const gpu::GpuSampler& sampler);

}  // namespace facefuse::cli
