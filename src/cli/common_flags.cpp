#include "cli/common_flags.h"

#include <cstdlib>

#include "cli/memory_limit.h"
#include "cli/option_checks.h"

namespace facefuse::cli {

CLI::Option* AddThreadsOption(CLI::App* cmd, int& threads) {
  return cmd->add_option("--threads", threads, "Kernel threads (0 = all cores)")->check(ThreadCount());
}

CLI::Option* AddMemoryLimitOption(CLI::App* cmd, std::string& spec) {
  return cmd->add_option("--memory-limit", spec, kMemoryLimitHelp)->check(MemoryLimitSyntax());
}

CLI::Option* AddJsonFlag(CLI::App* cmd, bool& json, const std::string& help) {
  return cmd->add_flag("--json", json, help);
}

CLI::Option* AddPlanCacheOption(CLI::App* cmd, std::string& dir) {
  if (const char* v = std::getenv("FACEFUSE_PLAN_CACHE_DIR")) {
    dir = v;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') {
    dir = std::string(xdg) + "/facefuse/plans";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::string(home) + "/.cache/facefuse/plans";
  }
  return cmd
      ->add_option("--plan-cache", dir,
                   "Folder keeping the kernels' timed plan choices between runs, so a later run skips the timing "
                   "(default: $FACEFUSE_PLAN_CACHE_DIR, else $XDG_CACHE_HOME/facefuse/plans or "
                   "~/.cache/facefuse/plans; \"\" for none)")
      ->capture_default_str();
}

CLI::Option* AddModelsDirOption(CLI::App* cmd, std::string& dir, const std::string& help) {
  return cmd->add_option("--models-dir", dir, help);
}

}  // namespace facefuse::cli
