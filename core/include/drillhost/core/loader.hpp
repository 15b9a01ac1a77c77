// Loads plugin .so files through Boost.DLL and reads their components.
// Libraries are opened RTLD_NOW | RTLD_LOCAL and never unloaded (a late callback or a thread-local
// destructor after dlclose would crash the host).
#pragma once

#include <drillhost/core/component.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace drillhost {

// A plugin, or a file, the host refused, and why (the message names the file).
struct LoadProblem {
    std::string path;
    std::string message;
};

struct LoadedPlugin {
    std::string path;
    std::string name;
    std::string version;
    uint32_t abi_major = 0;
    uint32_t abi_minor = 0;
    std::vector<Component> components;
};

struct LoadResult {
    std::vector<LoadedPlugin> plugins;
    std::vector<LoadProblem> problems;
};

// Says whether a component is wanted, by id and declared kind (as declared: not yet validated). An
// empty filter wants every component.
using ComponentFilter = std::function<bool(std::string_view id, dh_kind kind)>;

// Longest component id the loader accepts, in bytes (checked before anything else reads the id).
constexpr size_t max_component_id_bytes = 255;

// Expands each pattern (a file, a directory of *.so, or a glob) and loads every file found.
// A broken file becomes a LoadProblem; loading goes on with the others. A directory with no *.so
// file, a pattern that matches nothing, a directory or file that is not trusted (file_trust.hpp:
// writable by group or others, owned by someone else, a symlinked file) are LoadProblems too.
//
// With `wanted`, only the components it accepts are read: every other component is skipped after a
// bounded read of its id (one that cannot be read, or is longer than max_component_id_bytes, is
// skipped too), so its descriptor, functions and schema are never checked and cannot refuse the
// plugin. A plugin with no wanted component is left out of `plugins` without a problem; the file
// itself must still pass the file, ELF and ABI checks (a failure there is a LoadProblem, as always).
LoadResult load_plugins(const std::vector<std::string> &patterns, const ComponentFilter &wanted = {});

// Loads one file. Throws InfraError naming the file on any problem. With `wanted`, as above; the
// result's `components` may then be empty.
LoadedPlugin load_plugin(const std::string &path, const ComponentFilter &wanted = {});

// The checks load_plugin runs on the table a plugin's entry symbol returned (NULL included): the ABI
// version and table sizes, then each component's id, descriptor, functions and parameter schema,
// reading no field its struct_size does not cover. Throws InfraError naming `path`, as load_plugin.
// Public so that tests and the loader fuzzer (tests/fuzz/) can check synthetic tables without a .so.
LoadedPlugin check_plugin_table(const std::string &path, const dh_plugin *plugin,
                                const ComponentFilter &wanted = {});

}  // namespace drillhost
