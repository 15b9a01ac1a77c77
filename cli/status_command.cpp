// `drillhost status`: the cluster-status view of any target, through the patroni-rest probe (the
// first member that answers GET /cluster), as a patronictl-style table or JSON.
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/core/runner.hpp>

#include <iostream>

#include "cluster_table.hpp"
#include "commands.hpp"
#include "run_target.hpp"

namespace drillhost::cli {

int status_command(const GlobalOptions &global, const std::string &target_file) {
    Registry registry;
    load_registry(global, registry);
    RunTarget target(global, target_file, /*keep=*/true, /*may_bring_up=*/false);
    RunnerOptions runner_options;
    runner_options.state_dir = global.state_dir;
    runner_options.target = target.json();
    Runner runner(registry, runner_options);
    auto reply = runner.operate("org.drillhost.probe.patroni-rest", "cluster", nlohmann::json::object());
    runner.finish();
    const auto &cluster = reply.at("data");
    if (global.format == Format::json) {
        std::cout << dump_json(redact_json(nlohmann::json{{"member", reply.value("member", "")},
                                                          {"cluster", cluster}}),
                               2)
                  << '\n';
        return 0;
    }
    std::string scope = target.json().value("scope", "");
    print_cluster_table(std::cout,
                        "Cluster: " + (scope.empty() ? std::string("?") : scope) + " (from " +
                            reply.value("member", "") + "'s REST API)",
                        cluster);
    return 0;
}

}  // namespace drillhost::cli
