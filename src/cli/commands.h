// Each subcommand of the `facefuse` binary lives in its own file and adds
// itself to the CLI11 app. Commands return process exit codes through
// `exit_code` and never throw out of their callbacks.
#pragma once

#include <CLI/CLI.hpp>

namespace facefuse::cli {

void AddCheckModelCommand(CLI::App& app, int& exit_code);  // check_model.cpp
void AddBenchModelCommand(CLI::App& app, int& exit_code);  // bench_model.cpp
void AddOpsCommand(CLI::App& app, int& exit_code);         // ops.cpp
void AddDetectCommand(CLI::App& app, int& exit_code);      // detect.cpp
void AddMonitorCommand(CLI::App& app, int& exit_code);     // monitor.cpp
void AddJobCommand(CLI::App& app, int& exit_code);         // job.cpp
void AddServeCommand(CLI::App& app, int& exit_code);       // serve.cpp
void AddEmbedCommand(CLI::App& app, int& exit_code);       // embed.cpp
void AddSwapCommand(CLI::App& app, int& exit_code);        // swap.cpp
void AddModelsCommand(CLI::App& app, int& exit_code);      // models.cpp
void AddDevicesCommand(CLI::App& app, int& exit_code);     // devices.cpp

}  // namespace facefuse::cli
