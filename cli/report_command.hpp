// `drillhost report JOURNAL`: a run's journal rendered for people and CI (Markdown, JUnit XML),
// and the same files written by `run` at its end (report_files.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli_context.hpp"

namespace drillhost::cli {

// Adds the `report` subcommand to `app`; returns the function that runs it.
std::function<int()> add_report_command(CLI::App &app, const GlobalOptions &global);

}  // namespace drillhost::cli
