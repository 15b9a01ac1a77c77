// The drills against the embedded cluster, run as an operator runs them, with their verdicts
// asserted, and each checker shown failing when the cluster really misbehaves.
#include "drill_runs.hpp"

TEST_CASE("cluster-status: both views agree on a healthy cluster, and `drillhost status` shows it") {
    Sandbox s;
    auto state = s.up();
    auto drill = run_drill(s, {"cluster-status"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(failed_assertions(drill).empty());
    CHECK(drill["assertions"].size() >= 11);  // one leader, 3 checks x 3 members, every member, lag

    auto table = s.drillhost({"--load", plugins, "status"});
    REQUIRE_MESSAGE(table.exit_code == 0, table.err);
    CHECK(contains(table.out, "Leader"));
    CHECK(contains(table.out, "Replica"));
    CHECK(contains(table.out, state.member("pg-3").address + ":5432"));
    auto as_json = json::parse(dh(s, {"status"}).out);
    CHECK(as_json["cluster"]["members"].size() == 3);
}

TEST_CASE("cluster-status fails when a member's own view is gone (its Patroni frozen)") {
    Sandbox s;
    auto state = s.up();
    std::string replica = current_leader(state) == "pg-3" ? "pg-2" : "pg-3";
    REQUIRE(dh(s, {"inject", "freeze", "--host", replica}).exit_code == 0);
    auto drill = run_drill(s, {"cluster-status"});
    CHECK(drill["outcome"] == "failed");
    CHECK(contains(failed_assertions(drill), replica + " answers GET /patroni"));
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
}

TEST_CASE("status without a cluster or a target says how to get one") {
    Sandbox s;  // never brought up
    auto r = s.drillhost({"--load", plugins, "status"});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "sandbox up"));
}

// The switchover now is checked on run --all's run (default_cluster_expectations.hpp).
TEST_CASE("switchover scheduled: the candidate leads on the next timeline, not before its time") {
    Sandbox s;
    s.up();
    auto scheduled = run_drill(s, {"switchover", "-p", "scheduled_in_s=3"});
    INFO(scheduled.dump());
    CHECK(scheduled["outcome"] == "passed");
    CHECK(measurement(scheduled, "lost_writes") == 0);
    CHECK(measurement(scheduled, "switchover") >= 2500);  // not before its time (scheduled_at has 1 s steps)
}

TEST_CASE("switchover fails when the candidate cannot take over (its Patroni frozen)") {
    Sandbox s;
    auto state = s.up();
    std::string candidate = current_leader(state) == "pg-3" ? "pg-2" : "pg-3";
    REQUIRE(dh(s, {"inject", "freeze", "--host", candidate}).exit_code == 0);
    auto drill = run_drill(s, {"switchover", "-p", "candidate=" + candidate});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "failed");
    CHECK(contains(failed_assertions(drill), "switchover accepted"));
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
}

TEST_CASE(
    "standby-down-postgres-killed: Patroni restarts a killed replica postmaster, and fails when it cannot") {
    Sandbox s;
    auto state = s.up();
    std::string replica = current_leader(state) == "pg-3" ? "pg-2" : "pg-3";
    auto drill = run_drill(s, {"standby-down-postgres-killed", "-p", "member=" + replica});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(failed_assertions(drill).empty());
    CHECK(measurement(drill, "time_to_recovery") > 0);

    // With its Patroni frozen, nobody restarts PostgreSQL: the drill must say so.
    REQUIRE(dh(s, {"inject", "freeze", "--host", replica}).exit_code == 0);
    auto stuck = run_drill(s, {"standby-down-postgres-killed", "-p", "member=" + replica});
    INFO(stuck.dump());
    CHECK(stuck["outcome"] == "failed");
    CHECK(contains(failed_assertions(stuck), "Patroni restarted PostgreSQL"));
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
    // The thaw gives PostgreSQL back to its Patroni, which starts it as the replica it was.
    CHECK(eventually(
        [&] {
            return dh(s, {"run", "cluster-status"}).exit_code == 0;
        },
        std::chrono::seconds(90)));
}
