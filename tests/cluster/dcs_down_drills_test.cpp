// The DCS drills (seed case 6) where a fault is placed first: dcs-down-all with failsafe_mode while a
// replica is cut off from the leader. Their runs on the default cluster (every DCS member down with
// failsafe_mode off and on, one host cut off from the DCS) are checked on run --all's results
// (default_cluster_expectations.hpp).
#include "drill_runs.hpp"

TEST_CASE("dcs-down-all with failsafe_mode: a member the leader cannot reach makes the primary demote") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    std::string replica = leader == "pg-1" ? "pg-2" : "pg-1";
    // Only the leader's calls to this replica's REST API are dropped: the replica stays healthy in the
    // DCS (so it is in /failsafe), but the leader's POST /failsafe to it cannot succeed.
    auto cut = dh(s, {"inject", "partition", "--host", replica, "-p", "peers=[\"" + leader + "\"]", "-p",
                      "ports=[" + std::to_string(state.member(replica).rest_port) + "]"});
    REQUIRE_MESSAGE(cut.exit_code == 0, cut.err);
    auto drill = run_drill(s, {"dcs-down-all", "-p", "failsafe=on"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "failed");
    CHECK(verdict(drill, "failsafe on: the primary stays the only writable member through the outage") ==
          "fail");
    CHECK(drill["faults_left_open"] == 0);
    CHECK(dh(s, {"recover"}).exit_code == 0);  // the partition
}
