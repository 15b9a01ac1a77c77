// Each drill checker shown failing when the cluster really misbehaves, and the findings that need a
// cluster of their own (etcd v2, a lagging cluster). The passing runs are in run_all_test.cpp.
#include "drill_runs.hpp"

namespace {

std::string a_replica(const sb::SandboxState &state) {
    return current_leader(state) == "pg-3" ? "pg-2" : "pg-3";
}

}  // namespace

TEST_CASE("a drill on an unhealthy cluster is skipped with the precondition, and touches nothing") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    REQUIRE(dh(s, {"inject", "service", "--host", a_replica(state), "-p", "service=patroni"}).exit_code == 0);
    auto drill = run_drill(s, {"primary-down-node-lost"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "skipped");
    CHECK(contains(drill["message"], "precondition"));
    CHECK(drill["faults_injected"] == 0);
    CHECK(current_leader(state) == leader);
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
}

TEST_CASE("node-lost fails the failover bound when every replica lags past maximum_lag_on_failover") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    // A small bound and no replication: the writer's own load makes every replica lag past it.
    set_maximum_lag(s, 65536);
    cut_replication(s, state, leader);
    auto drill = run_drill(s, {"primary-down-node-lost", "-p", "settle_s=5"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "failed");
    CHECK(verdict(drill, "a new leader took over") == "fail");
    CHECK(contains(failed_assertions(drill), "nobody promoted"));
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
}

TEST_CASE("fast-restart fails when the primary's Patroni cannot restart PostgreSQL (frozen)") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    REQUIRE(dh(s, {"inject", "freeze", "--host", leader}).exit_code == 0);
    auto drill = run_drill(s, {"primary-down-fast-restart"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "failed");
    CHECK(verdict(drill, "writable again") == "fail");
    CHECK(verdict(drill, "no failover") == "fail");  // the key expired meanwhile: a replica took over
    // The kill's revert must not start the old primary's postmaster by hand next to the replica that
    // took over (a second writable primary), nor wait on a POST /restart the frozen Patroni never
    // answers: it leaves PostgreSQL to its Patroni, and recover (the thaw) gives it back.
    CHECK(measurement(drill, "split_brain") == 0);
    CHECK(drill["duration_ms"].get<double>() < 60000);
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
    // The thawed Patroni runs it again. Whether the cluster then heals is Patroni's affair: 3.0.2's
    // etcd3 driver lets the thawed leader write its key back over the one that took over (see
    // frozen-leader), leaving the others on a timeline it never had.
    auto answers = [&] { return dh(s, {"probe", "sql", "status", "-p", "member=" + leader}).exit_code == 0; };
    CHECK(eventually(answers, std::chrono::seconds(60)));
}

TEST_CASE("lag-blocked the seed's way: paused replay makes no lag in Patroni 3.0.2's eyes") {
    Sandbox s;
    s.up();
    auto drill = run_drill(s, {"failover-lag-blocked", "-p", "method=replay-pause"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "failed");
    CHECK(verdict(drill, "replicas lag past maximum_lag_on_failover") == "fail");
    CHECK(measurement(drill, "lag_at_fault") < 1048576);
    CHECK(drill["faults_left_open"] == 0);
}

TEST_CASE("network-partition on the etcd v2 driver: the old primary demotes first and stays a replica") {
    Sandbox s;
    s.up({"--dcs", "etcd"});
    auto drill = run_drill(s, {"network-partition"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(measurement(drill, "old_primary_demoted") < measurement(drill, "promoted"));
    CHECK(measurement(drill, "split_brain") == 0);
    CHECK(measurement(drill, "lost_after_promotion") == 0);
}

TEST_CASE("frozen-leader on the etcd v2 driver: two primaries while frozen, and the resumed leader yields") {
    Sandbox s;
    s.up({"--dcs", "etcd"});
    auto drill = run_drill(s, {"frozen-leader"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "failed");
    CHECK(verdict(drill, "a replica took over from the frozen leader") == "pass");
    CHECK(verdict(drill, "never two writable primaries") == "fail");
    CHECK(measurement(drill, "split_brain") > 0);
    CHECK(verdict(drill, "the resumed leader yields to the new one") == "pass");  // the v2 driver compares
    CHECK(verdict(drill, "no write lost that was acknowledged after the promotion") == "fail");
    CHECK(verdict(drill, "converged") == "pass");
}

// The split-brain drills' convergence gate (stranded_members.hpp). A replica left on a timeline the
// leader never had (as fencing-watchdog's round without the watchdog left one on Patroni 3.0.2 with
// etcd3, failing CI) cannot come back by itself; the gate must name it and have Patroni reinitialise
// it, so the drills after it find a healthy cluster. The fixture drill strands one for real.
TEST_CASE("split-brain convergence: a replica stranded on a dead timeline is named and reinitialised") {
    Sandbox s;
    auto state = s.up();
    const std::string fixture = std::string(FIXTURE_DIR) + "/stranded/stranded_member_drill.so";
    auto r = dh(s, {"--load", fixture, "run", "strands-a-replica"});
    auto report = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(report.is_object(), r.out << r.err);
    json drill = report["drills"][0];
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(verdict(drill, "converged") == "pass");
    std::string observed;
    for (const auto &a : drill["assertions"])
        if (a["name"] == "converged") observed = a["observed"];
    CHECK(contains(observed, "stranded on timeline 2, which the leader"));
    CHECK(contains(observed, "reinitialised by drillhost"));
    CHECK(measurement(drill, "reinitialised_members") == 1);
    // Healthy afterwards: every replica streams, and none keeps a history newer than the leader's.
    REQUIRE(dh(s, {"run", "cluster-status"}).exit_code == 0);
    for (const auto &m : state.members)
        CHECK_MESSAGE(shell(psql(state, m) + " -At -c \"SELECT count(*) FROM pg_ls_waldir() WHERE name = "
                                             "'00000002.history'\" 2>&1") == "0\n",
                      m.name);
}
