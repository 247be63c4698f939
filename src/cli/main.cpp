#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a bad command line (unknown or out-of-range option) exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "facefuse: unexpected error: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
