// Loads plugin .so files through Boost.DLL and reads their components.
// Libraries are opened RTLD_NOW | RTLD_LOCAL and never unloaded (a late callback or a thread-local
// destructor after dlclose would crash the host).
#pragma once

#include <drillhost/core/component.hpp>

#include <string>
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

// Expands each pattern (a file, a directory of *.so, or a glob) and loads every file found.
// A broken file becomes a LoadProblem; loading goes on with the others.
LoadResult load_plugins(const std::vector<std::string> &patterns);

// Loads one file. Throws InfraError naming the file on any problem.
LoadedPlugin load_plugin(const std::string &path);

}  // namespace drillhost
