// The patronictl-style table of a cluster, shared by `drillhost status` and `drillhost sandbox status`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace drillhost::cli {

// `cluster`: Patroni's GET /cluster reply, raw (lag) or as the patroni-rest probe gives it (lag_bytes).
// "Patroni 4.1.4, ttl 20 s, loop_wait 1 s, retry_timeout 3 s": what a table's title says of the
// Patroni in charge. `config`: GET /config (or the sandbox's record of it); absent values are left out.
std::string timing_header(const std::string &patroni_version, const nlohmann::json &config);

void print_cluster_table(std::ostream &out, const std::string &title, const nlohmann::json &cluster);

}  // namespace drillhost::cli
