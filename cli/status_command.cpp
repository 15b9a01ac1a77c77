// `drillhost status`: the cluster-status view of any target, through the patroni-rest probe (the
// first member that answers GET /cluster), as a patronictl-style table or JSON.
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/core/runner.hpp>

#include <iostream>

#include "cluster_facts.hpp"
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
    auto facts = read_cluster_facts(runner);
    runner.finish();
    const auto &cluster = reply.at("data");
    if (global.format == Format::json) {
        std::cout << dump_json(redact_json(nlohmann::json{{"member", reply.value("member", "")},
                                                          {"patroni", facts},
                                                          {"cluster", cluster}}),
                               2)
                  << '\n';
        return 0;
    }
    std::string scope = target.json().value("scope", "");
    print_cluster_table(
        std::cout,
        "Cluster: " + (scope.empty() ? std::string("?") : scope) + " (" +
            timing_header(facts.value("patroni_version", ""), facts.value("timing", nlohmann::json())) +
            "; from " + reply.value("member", "") + "'s REST API)",
        cluster);
    return 0;
}

}  // namespace drillhost::cli
