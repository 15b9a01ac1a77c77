// `sandbox up` is ready only when a drill's pre-flight would be: every replica's lag in GET /cluster is
// a number within maximum_lag_on_failover (a 5-member sandbox once came up with a stale 16 MB lag).
#include <doctest/doctest.h>
#include <drillhost/sandbox/replica_lag.hpp>

using drillhost::sandbox::replica_lag_problem;
using nlohmann::json;

namespace {

json cluster_with(json pg2_lag, json pg3_lag) {
    return {{"members",
             {{{"name", "pg-1"}, {"role", "leader"}},
              {{"name", "pg-2"}, {"role", "replica"}, {"lag", pg2_lag}},
              {{"name", "pg-3"}, {"role", "sync_standby"}, {"lag", pg3_lag}}}}};
}

}  // namespace

TEST_CASE("replica lag: within maximum_lag_on_failover is ready") {
    CHECK(replica_lag_problem({{"maximum_lag_on_failover", 1048576}}, cluster_with(0, 1048576)).empty());
}

TEST_CASE("replica lag: over the limit names the member, its lag and the limit") {
    auto problem = replica_lag_problem({{"maximum_lag_on_failover", 1048576}}, cluster_with(0, 16777216));
    CHECK(problem == "pg-3's lag in /cluster is 16777216 (maximum_lag_on_failover 1048576)");
}

TEST_CASE("replica lag: \"unknown\" or no lag at all is not ready") {
    CHECK(replica_lag_problem(json::object(), cluster_with("unknown", 0))
              .find("pg-2's lag in /cluster is \"unknown\"") == 0);
    json no_lag = {
        {"members", {{{"name", "pg-1"}, {"role", "leader"}}, {{"name", "pg-2"}, {"role", "replica"}}}}};
    CHECK(replica_lag_problem(json::object(), no_lag).find("pg-2's lag in /cluster is null") == 0);
}

TEST_CASE("replica lag: without the key in /config, Patroni's default of 1 MiB applies") {
    CHECK(replica_lag_problem(json::object(), cluster_with(1048576, 0)).empty());
    CHECK_FALSE(replica_lag_problem(json::object(), cluster_with(1048577, 0)).empty());
}
