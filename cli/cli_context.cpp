#include "cli_context.hpp"

#include <drillhost/core/loader.hpp>
#include <drillhost/core/paths.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace drillhost::cli {

void init_logging(const std::string &level) {
    auto logger = spdlog::stderr_color_mt("drillhost");
    logger->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

int load_registry(const GlobalOptions &options, Registry &registry) {
    std::vector<std::string> patterns = options.load;
    if (patterns.empty()) patterns.push_back(default_plugin_dir().string());
    LoadResult loaded = load_plugins(patterns);
    std::vector<LoadProblem> problems = loaded.problems;
    registry.add(loaded, problems);
    for (const auto &problem : problems) spdlog::error("plugin refused: {}", problem.message);
    return static_cast<int>(problems.size());
}

}  // namespace drillhost::cli
