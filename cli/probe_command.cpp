#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/param_schema.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/core/runner.hpp>

#include <iostream>

#include "commands.hpp"
#include "run_target.hpp"

namespace drillhost::cli {

nlohmann::json parse_cli_value(const std::string &assignment) {
    auto eq = assignment.find('=');
    std::string value = assignment.substr(eq + 1);
    try {
        // A value that looks like JSON must be JSON within the depth limit; anything else is a string.
        if (auto parsed = try_parse_bounded_json(value)) return *parsed;
        parse_bounded_json(value, "--param " + assignment.substr(0, eq));
    } catch (const JsonInputError &e) {
        if (std::string(e.what()).find("nested deeper") != std::string::npos) throw UsageError(e.what());
    }
    return value;
}

nlohmann::json parse_cli_params(const std::vector<std::string> &texts) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto &text : texts) {
        auto eq = text.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--param '" + text + "': expected NAME=VALUE");
        params[text.substr(0, eq)] = parse_cli_value(text);
    }
    return params;
}

int probe_command(const GlobalOptions &global, const ProbeOptions &options) {
    Registry registry;
    load_registry(global, registry);
    std::string id = registry.resolve(options.probe, DH_KIND_PROBE);
    if (id == options.probe && !registry.find(id)) id = registry.resolve(options.probe, DH_KIND_INJECTOR);
    nlohmann::json params = parse_cli_params(options.params);
    // The operation named, else the component's first (a probe of ABI 1.2: its one "sample").
    const Component *component = registry.find(id);
    std::string operation = options.operation;
    if (operation.empty() && component && !component->operations.empty())
        operation = component->operations.front().name;
    if (operation.empty()) operation = "sample";
    // A probe of ABI 1.2 takes its verb as a "request" param, as this argument used to be.
    if (component && !component->operation(operation) && component->operation("sample") &&
        component->operation("sample")->route == OperationRoute::sample) {
        params["request"] = operation;
        operation = "sample";
    }
    RunTarget target(global, options.target, /*keep=*/false);
    RunnerOptions runner_options;
    runner_options.state_dir = global.state_dir;
    runner_options.target = target.json();
    Runner runner(registry, runner_options);
    auto result = runner.operate(id, operation, params);
    runner.finish();
    std::cout << dump_json(redact_json(result), global.format == Format::json ? -1 : 2) << '\n';
    return 0;
}

}  // namespace drillhost::cli
