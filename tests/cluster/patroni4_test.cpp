// Patroni 4.1.4 (a source tree run with Debian's python3, `sandbox up --patroni`) beside Debian's
// 3.0.2: the sandbox names the version and the timing Patroni uses, the REST replies and patronictl
// 4.1's JSON agree, and the failover family holds at ttl 20, quorum commit included. The whole
// `run --all` on 4.1.4 is scripts/patroni-matrix.sh (README), not part of the test command.
// CMake finds the tree (DRILLHOST_PATRONI4_DIR) and registers these tests only where it exists.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "drill_runs.hpp"

namespace {

std::string patroni4() {
#ifdef PATRONI4_DIR
    return PATRONI4_DIR;
#else
    FAIL("built without a Patroni 4.1.4 tree (-DDRILLHOST_PATRONI4_DIR=PATH)");
    return "";
#endif
}

json patronictl(const sb::SandboxState &state, const std::string &command) {
    std::string argv;
    for (const auto &word : state.patroni.patronictl) argv += "'" + word + "' ";
    return json::parse(
        shell(argv + "-c " + state.members[0].patroni_config().string() + " " + command + " -f json"),
        nullptr, false);
}

}  // namespace

TEST_CASE("Patroni 4.1.4: up names the version and the timing used, and says ttl 10 became 20") {
    Sandbox s;
    auto r = s.drillhost({"sandbox", "up", "--patroni", patroni4()});  // ttl 10 asked, the default
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(contains(r.err, "notice: Patroni 4.1.4 changed the timing asked for: ttl 10 asked, 20 used"));
    CHECK(contains(r.out, "Patroni 4.1.4, ttl 20 s, loop_wait 1 s, retry_timeout 3 s"));
    auto state = *sb::load_state(s.state_dir);
    CHECK(state.patroni.version == "4.1.4");
    CHECK(state.timing_used["ttl"] == 20);
    CHECK(state.timing_changes == std::vector<std::string>{"ttl 10 asked, 20 used"});

    auto status = s.drillhost({"--load", plugins, "--format", "json", "status"});
    REQUIRE_MESSAGE(status.exit_code == 0, status.err);
    auto view = json::parse(status.out);
    CHECK(view["patroni"]["patroni_version"] == "4.1.4");
    CHECK(view["patroni"]["timing"]["ttl"] == 20);

    // patronictl 4.1 reads the DCS, drillhost the REST API: the same leader and members.
    auto listed = patronictl(state, "list");
    REQUIRE_MESSAGE(listed.is_array(), "patronictl list -f json did not answer JSON");
    std::string ctl_leader;
    for (const auto &m : listed)
        if (m.value("Role", "") == "Leader") ctl_leader = m.value("Member", "");
    CHECK(ctl_leader == current_leader(state));
    CHECK(listed.size() == 3);

    auto drill = run_drill(s, {"cluster-status"});
    CHECK_MESSAGE(drill["outcome"] == "passed", failed_assertions(drill));

    // 4.x refuses a scheduled failover (a scheduled change is a switchover): the probe says so.
    std::string candidate = ctl_leader == "pg-1" ? "pg-2" : "pg-1";
    auto scheduled = json::parse(
        dh(s, {"probe", "patroni-rest", "failover", "-p",
               R"(body={"candidate": ")" + candidate + R"(", "scheduled_at": "2099-01-01T00:00:00+00:00"})"})
            .out,
        nullptr, false);
    CHECK(scheduled.value("ok", true) == false);
    CHECK(contains(scheduled.value("message", ""), "Failover can't be scheduled"));
    CHECK(current_leader(state) == ctl_leader);
}

TEST_CASE("Patroni 4.1.4: the failover family at ttl 20, with quorum commit, holds what Patroni promises") {
    Sandbox s;
    s.up({"--patroni", patroni4(), "--ttl", "20"});
    auto r = dh(s,
                {"run", "failover-manual", "failover-lag-blocked", "failover-replay-paused-candidate",
                 "failover-with-load", "sync-standby", "-p", "sync-standby:mode=quorum"},
                std::chrono::minutes(30));
    auto report = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(report.is_object(), r.out << r.err);
    CHECK(report["cluster"]["patroni_version"] == "4.1.4");
    CHECK(report["cluster"]["timing"]["ttl"] == 20);
    for (const auto &drill : report["drills"]) {
        INFO(drill["drill"].get<std::string>() << ": " << failed_assertions(drill) << drill["message"]);
        CHECK(drill["outcome"] == "passed");
        CHECK(drill["faults_left_open"] == 0);
    }
    CHECK(r.exit_code == 0);
    for (const auto &drill : report["drills"]) {
        if (drill["drill"] != "org.drillhost.drill.sync-standby") continue;
        CHECK(verdict(drill, "a member becomes quorum_standby, named in synchronous_standby_names") ==
              "pass");
        CHECK(measurement(drill, "lost_writes") == 0);
    }
}
