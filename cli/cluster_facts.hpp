// What a run or `status` says of the Patroni in charge of the target: its version (GET /patroni)
// and the timing it uses (GET /config), read through the patroni-rest probe, so that a verdict is
// always read beside the bounds it was held to.
#pragma once

#include <drillhost/core/runner.hpp>

#include <nlohmann/json.hpp>

namespace drillhost::cli {

// {"patroni_version": "4.1.4", "member": "pg-1", "timing": {"ttl": 20, "loop_wait": 1,
// "retry_timeout": 3, "maximum_lag_on_failover": 1048576, ...}}; with "error" instead of what could
// not be read (no patroni-rest probe loaded, no member answering): a run goes on without it.
nlohmann::json read_cluster_facts(Runner &runner);

}  // namespace drillhost::cli
