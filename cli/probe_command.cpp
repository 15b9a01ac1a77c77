#include <drillhost/core/param_schema.hpp>
#include <drillhost/core/runner.hpp>

#include <iostream>

#include "commands.hpp"
#include "run_target.hpp"

namespace drillhost::cli {

// A probe by id, or by its short name ("patroni-rest").
static std::string resolve_probe(const Registry &registry, const std::string &name) {
    if (registry.find(name)) return name;
    for (const auto *c : registry.list(DH_KIND_PROBE))
        if (c->name == name) return c->id;
    return name;  // require() will say what is loaded
}

int probe_command(const GlobalOptions &global, const ProbeOptions &options) {
    Registry registry;
    load_registry(global, registry);
    std::string id = resolve_probe(registry, options.probe);
    nlohmann::json params = nlohmann::json::object();
    if (!options.request.empty()) params["request"] = options.request;
    for (const auto &text : options.params) {
        auto eq = text.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--param '" + text + "': expected NAME=VALUE");
        params[text.substr(0, eq)] = parse_param_value(text.substr(eq + 1));
    }
    RunTarget target(global, options.target, /*keep=*/false);
    RunnerOptions runner_options;
    runner_options.state_dir = global.state_dir;
    runner_options.target = target.json();
    Runner runner(registry, runner_options);
    auto result = runner.sample(id, params);
    runner.finish();
    std::cout << result.dump(global.format == Format::json ? -1 : 2) << '\n';
    return 0;
}

}  // namespace drillhost::cli
