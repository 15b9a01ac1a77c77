// The last readiness rule of `sandbox up`, the one a drill's pre-flight asks too: every replica's lag in
// GET /cluster is a number within maximum_lag_on_failover. Pure, so it is unit-tested.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace drillhost::sandbox {

// "" when every non-leader member of `cluster` (GET /cluster) has a lag within the limit in `config`
// (GET /config; Patroni's default 1 MiB when unset), else what is missing, naming the member.
std::string replica_lag_problem(const nlohmann::json &config, const nlohmann::json &cluster);

}  // namespace drillhost::sandbox
