#include "cli/common_flags.h"

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

CLI::Option* AddModelsDirOption(CLI::App* cmd, std::string& dir, const std::string& help) {
  return cmd->add_option("--models-dir", dir, help);
}

}  // namespace facefuse::cli
