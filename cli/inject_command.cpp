// `drillhost inject`: one fault by hand, through the ledger like any drill's, left in place until
// `drillhost recover` reverts it (an operator's "hold this fault while I look").
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/core/runner.hpp>

#include <iostream>

#include "commands.hpp"
#include "run_target.hpp"

namespace drillhost::cli {

int inject_command(const GlobalOptions &global, const InjectOptions &options) {
    Registry registry;
    load_registry(global, registry);
    std::string id = registry.resolve(options.injector, DH_KIND_INJECTOR);
    nlohmann::json params = parse_cli_params(options.params);
    if (!options.host.empty()) params["host"] = options.host;
    RunTarget target(global, options.target, /*keep=*/true, /*may_bring_up=*/false);
    RunnerOptions runner_options;
    runner_options.state_dir = global.state_dir;
    runner_options.target = target.json();
    Runner runner(registry, runner_options);
    auto result = runner.inject(id, params);
    runner.finish();
    if (global.format == Format::json) {
        std::cout << dump_json(redact_json(result)) << '\n';
    } else {
        std::cout << "fault " << result["fault"] << " (" << id
                  << ") is in place: " << dump_json(redact_json(result["record"]))
                  << "\nledger: " << result["ledger"].get<std::string>()
                  << "\nrevert it with: drillhost recover\n";
    }
    return 0;
}

}  // namespace drillhost::cli
