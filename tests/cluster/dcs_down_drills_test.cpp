// The DCS drills (seed case 6) on a fresh embedded cluster: every DCS member down with failsafe_mode
// off and on, and one host cut off from the DCS, primary or replica.
#include "drill_runs.hpp"

TEST_CASE("dcs-down-all: read-only without failsafe_mode, still writable with it, nothing lost") {
    Sandbox s;
    s.up();
    auto drill = run_drill(s, {"dcs-down-all"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(verdict(drill, "failsafe off: the primary stops accepting writes before its leader key expires") ==
          "pass");
    CHECK(verdict(drill, "failsafe off: read-only until the DCS returns") == "pass");
    CHECK(verdict(drill, "failsafe on: the primary stays the only writable member through the outage") ==
          "pass");
    CHECK(measurement(drill, "failsafe_off_time_to_read_only") < 10000);  // ttl of the default sandbox
    CHECK(has_measurement(drill, "failsafe_on_time_to_writable"));
    CHECK(measurement(drill, "failsafe_off_lost_writes") == 0);
    CHECK(measurement(drill, "failsafe_on_lost_writes") == 0);
    CHECK(drill["faults_left_open"] == 0);
    // failsafe_mode is back as it was (off), read through GET /config.
    auto config = json::parse(dh(s, {"probe", "patroni-rest", "config"}).out)["data"];
    CHECK(config.value("failsafe_mode", false) == false);
}

TEST_CASE(
    "dcs-down-primary-client: the primary demotes before its key expires, a replica leads, it rejoins") {
    Sandbox s;
    s.up();
    auto drill = run_drill(s, {"dcs-down-primary-client"});
    INFO(drill.dump());
    check_cut_off_primary(drill);
    CHECK(measurement(drill, "old_primary_read_only") < measurement(drill, "promoted"));
    CHECK(measurement(drill, "split_brain") == 0);
    CHECK(verdict(drill, "old primary rejoined as a replica") == "pass");
    CHECK(drill["faults_left_open"] == 0);
}

TEST_CASE("dcs-down-replica-client: replication and reads go on, the replica leaves the election") {
    Sandbox s;
    s.up();
    auto drill = run_drill(s, {"dcs-down-replica-client"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(has_measurement(drill, "left_cluster_view"));
    CHECK(measurement(drill, "lost_writes") == 0);
    CHECK(drill["faults_left_open"] == 0);
}

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
