// The flags several subcommands share, declared once: the same name,
// validation and default wherever they appear.
//
// Each adds one option to `cmd` bound to `value` (which must outlive the
// parse; the commands keep their options in a shared_ptr captured by the
// callback) and returns it for further settings.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace facefuse::cli {

// --threads N: kernel threads, 0 (the default) = all cores, up to MaxThreads().
CLI::Option* AddThreadsOption(CLI::App* cmd, int& threads);

// --memory-limit BYTES|auto (cli/memory_limit.h); the syntax is checked while parsing.
CLI::Option* AddMemoryLimitOption(CLI::App* cmd, std::string& spec);

// --json: print JSON instead of text; `help` says what the command prints ("Print one JSON object").
CLI::Option* AddJsonFlag(CLI::App* cmd, bool& json, const std::string& help);

// --models-dir DIR: where downloaded models live (models/models_dir.h resolves the default); `help` is the
// command's wording of that default.
CLI::Option* AddModelsDirOption(CLI::App* cmd, std::string& dir, const std::string& help);

// --plan-cache DIR: where the kernels keep their timed plan choices between runs (SessionOptions::plan_cache_dir).
// Sets `dir` to the default first: $FACEFUSE_PLAN_CACHE_DIR when set (empty: none), else
// $XDG_CACHE_HOME/facefuse/plans, else ~/.cache/facefuse/plans; `--plan-cache ""` keeps none.
CLI::Option* AddPlanCacheOption(CLI::App* cmd, std::string& dir);

}  // namespace facefuse::cli
