// The patronictl-style table of a cluster, shared by `drillhost status` and `drillhost sandbox status`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace drillhost::cli {

// `cluster`: Patroni's GET /cluster reply, raw (lag) or as the patroni-rest probe gives it (lag_bytes).
void print_cluster_table(std::ostream &out, const std::string &title, const nlohmann::json &cluster);

}  // namespace drillhost::cli
