// What every drillhost subcommand shares: global options, the loaded plugins, the console.
#pragma once

#include <drillhost/core/errors.hpp>
#include <drillhost/core/registry.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace drillhost::cli {

enum class Format { table, json };

struct GlobalOptions {
    std::vector<std::string> load;  // --load patterns; empty: the installed plugin directory
    std::filesystem::path state_dir;
    Format format = Format::table;
    std::string log_level = "info";
};

// Loads the plugins named by --load into `registry`; every refused file is reported on stderr
// (naming the file and why) and the others are kept. Returns the number refused.
int load_registry(const GlobalOptions &options, Registry &registry);

// Sets up the console logger (stderr, so stdout stays clean for --format json).
void init_logging(const std::string &level);

}  // namespace drillhost::cli
