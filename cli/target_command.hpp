// `drillhost target import`: a target file from a Pigsty inventory or Patroni's config files.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli_context.hpp"

namespace drillhost::cli {

// Adds the `target` subcommand tree to `app`; returns the function that runs whichever was chosen.
std::function<int()> add_target_commands(CLI::App &app, const GlobalOptions &global);

}  // namespace drillhost::cli
