// `drillhost sandbox up|status|down|exec`: the embedded cluster from the command line.
#pragma once

#include <drillhost/sandbox/sandbox_state.hpp>

#include <CLI/CLI.hpp>
#include <functional>

#include "cli_context.hpp"

namespace drillhost::cli {

// Adds the `sandbox` subcommand tree to `app`; returns the function that runs whichever was chosen.
std::function<int()> add_sandbox_commands(CLI::App &app, const GlobalOptions &global);

// The watchdog monitor of one member (started by `sandbox up --watchdog`); runs until the sandbox is gone.
int run_watchdog_monitor_command(const GlobalOptions &global, const std::string &member);

}  // namespace drillhost::cli
