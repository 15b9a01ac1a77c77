// What every drillhost subcommand shares: global options, the loaded plugins, the console.
#pragma once

#include <drillhost/core/errors.hpp>

#include <drillhost/core/loader.hpp>
#include <drillhost/core/registry.hpp>
#include "exit_codes.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace drillhost::cli {

enum class Format { table, json };

struct GlobalOptions {
    std::vector<std::string> load;  // --load patterns; empty: the installed plugin directory
    std::filesystem::path state_dir;
    bool state_dir_given =
        false;  // --state-dir on the command line (a typo there must not create a directory)
    Format format = Format::table;
    std::string log_level = "info";
};

// Loads the plugins named by --load into `registry`; every refused file is reported on stderr
// (naming the file and why) and the others are kept. Returns the number refused.
// With `wanted`, only the components it accepts are checked and registered (recover: the injectors
// its open ledgers name), so a broken, unrelated plugin cannot stand in the way.
int load_registry(const GlobalOptions &options, Registry &registry, const ComponentFilter &wanted = {});

// Sets up the console logger (stderr, so stdout stays clean for --format json).
void init_logging(const std::string &level);

}  // namespace drillhost::cli
