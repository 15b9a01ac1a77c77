// The end-of-run summary (table or JSON) and the exit code it implies.
#pragma once

#include <drillhost/core/rto_plan.hpp>
#include <drillhost/core/runner.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <vector>

namespace drillhost::cli {

struct RunRecord {
    std::string run_id;
    std::filesystem::path journal;
    double wall_ms = 0;  // the whole run, start of the first drill to the end of the last
    nlohmann::json cluster = nlohmann::json::object();  // read_cluster_facts: Patroni version, timing
    int repeat = 1;                                     // --repeat: each drill's runs are consecutive
    std::optional<RtoPlan> plan;                        // the target's pg_rto plan, when it declares one
    std::vector<DrillResult> results;
};

void print_summary(std::ostream &out, const RunRecord &run, bool as_json);

// 3 if a fault was left open or the target was unreachable, else 1 if any drill did not pass or
// skip or (with --repeat) gave different verdicts across its runs, else 0.
int exit_code_for(const std::vector<DrillResult> &results);

}  // namespace drillhost::cli
