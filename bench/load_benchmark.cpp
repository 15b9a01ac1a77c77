// How long drillhost takes to load 50 plugins (dlopen, version checks, descriptors, schema
// compilation, registry), printed beside the anchor measured in the same run: a bare
// dlopen(RTLD_NOW | RTLD_LOCAL) + dlsym + entry call of 50 copies of the same files.
#include <dlfcn.h>
#include <drillhost/plugin_api.h>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/registry.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int main() {
    const fs::path plugins = BENCH_PLUGIN_DIR;
    // Copies for the anchor, so neither measurement finds a library the other already mapped.
    const fs::path copies = fs::temp_directory_path() / ("drillhost-bench-" + std::to_string(::getpid()));
    fs::create_directories(copies);
    std::vector<fs::path> copied;
    for (const auto &entry : fs::directory_iterator(plugins)) {
        if (entry.path().extension() != ".so") continue;
        copied.push_back(copies / entry.path().filename());
        fs::copy_file(entry.path(), copied.back());
    }

    auto anchor_start = Clock::now();
    for (const auto &file : copied) {
        void *handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        auto entry = handle ? reinterpret_cast<dh_entry_fn>(dlsym(handle, DH_ENTRY_SYMBOL)) : nullptr;
        if (!entry || !entry()) {
            std::fprintf(stderr, "anchor: cannot load %s\n", file.c_str());
            return 1;
        }
    }
    double anchor_ms = ms_since(anchor_start);

    auto start = Clock::now();
    auto result = drillhost::load_plugins({plugins.string()});
    drillhost::Registry registry;
    std::vector<drillhost::LoadProblem> problems = result.problems;
    registry.add(result, problems);
    double load_ms = ms_since(start);
    fs::remove_all(copies);

    size_t components = registry.list().size();
    if (!problems.empty() || components != copied.size()) {
        std::fprintf(stderr, "benchmark: %zu problems, %zu components loaded\n", problems.size(), components);
        return 1;
    }
    std::printf(
        "load %zu plugins: %.2f ms (target < 50 ms: %s); anchor, bare dlopen of the same files: %.2f ms; "
        "ratio %.2f\n",
        components, load_ms, load_ms < 50 ? "met" : "MISSED", anchor_ms, load_ms / anchor_ms);
    return 0;
}
