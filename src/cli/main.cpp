#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/commands.h"
#include "cli/process_defaults.h"
#include "common/status_map.h"

int main(int argc, char** argv) {
  facefuse::cli::ReexecWithProcessDefaults(argv);
  CLI::App app{"facefuse: face swap engine and ONNX inference runtime"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "facefuse 0.1.0");
  int exit_code = 0;
  facefuse::cli::AddCheckModelCommand(app, exit_code);
  facefuse::cli::AddBenchModelCommand(app, exit_code);
  facefuse::cli::AddOpsCommand(app, exit_code);
  facefuse::cli::AddDetectCommand(app, exit_code);
  facefuse::cli::AddMonitorCommand(app, exit_code);
  facefuse::cli::AddJobCommand(app, exit_code);
  facefuse::cli::AddServeCommand(app, exit_code);
  facefuse::cli::AddEmbedCommand(app, exit_code);
  facefuse::cli::AddSwapCommand(app, exit_code);
  facefuse::cli::AddModelsCommand(app, exit_code);
  facefuse::cli::AddDevicesCommand(app, exit_code);
  if (argc > 1 && argv[1][0] != '-' && app.get_subcommands([&](const CLI::App* c) { return c->check_name(argv[1]); }).empty()) {
    std::fprintf(stderr, "facefuse: unknown command '%s' (facefuse --help lists the commands)\n", argv[1]);
    return facefuse::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error (unknown option, a value that is not a number or out of
    // CLI11's range, a missing required option) exits 2 like the commands' own option checks.
    const int code = app.exit(e);
    return code == 0 ? facefuse::kExitOk : facefuse::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "facefuse: unexpected error: %s\n", e.what());
    return facefuse::kExitUsage;
  }
  // A full disk or a closed pipe on stdout (detect --json > /dev/full) must not pass for success.
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    // errno is only this flush's: an earlier failed write (the output outgrew the buffer) left no cause behind.
    const int error = errno;
    std::fprintf(stderr, "facefuse: cannot write to standard output: %s\n",
                 error != 0 ? std::strerror(error) : "a write failed (disk full or output closed?)");
    if (exit_code == facefuse::kExitOk) return facefuse::kExitFailure;
  }
  return exit_code;
}
