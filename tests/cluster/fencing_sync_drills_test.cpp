// fencing-watchdog and sync-standby (seed case 9) on a fresh embedded cluster.
#include <signal.h>

#include <fstream>

#include "drill_runs.hpp"

TEST_CASE("fencing-watchdog: the watchdog fences the frozen leader, without it two primaries overlap") {
    Sandbox s;
    auto state = s.up();
    auto drill = run_drill(s, {"fencing-watchdog"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(verdict(drill, "the watchdog fenced the frozen leader before its key expired") == "pass");
    CHECK(measurement(drill, "fenced") < measurement(drill, "promoted"));
    CHECK(measurement(drill, "split_brain") == 0);
    // The checker's other side: without the watchdog the sampler must see the overlap.
    CHECK(measurement(drill, "split_brain_without_watchdog") > 0);
    CHECK(drill["faults_left_open"] == 0);
    // The cluster was brought up without --watchdog: every patroni.yml is back to mode off and no
    // monitor the drill started is left running.
    for (const auto &m : state.members) {
        std::ifstream in(m.patroni_config());
        CHECK(json::parse(in)["watchdog"]["mode"] == "off");
        std::ifstream pid_file(m.dir / "watchdog.pid");
        int pid = 0;
        if (pid_file >> pid)
            CHECK_MESSAGE(::kill(pid, 0) != 0, "watchdog monitor of " << m.name << " still runs");
    }
}

TEST_CASE("sync-standby: a sync standby is named and a failover loses nothing, the async loss beside it") {
    Sandbox s;
    s.up();
    auto drill = run_drill(s, {"sync-standby"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(verdict(drill, "a member becomes sync_standby, named in synchronous_standby_names") == "pass");
    CHECK(verdict(drill, "a sync_standby took over") == "pass");
    CHECK(measurement(drill, "lost_writes") == 0);
    CHECK(measurement(drill, "lost_wal_bytes") == 0);  // nothing beyond the switch point
    CHECK(has_measurement(drill, "async_lost_writes"));
    CHECK(drill["faults_left_open"] == 0);
    auto config = json::parse(dh(s, {"probe", "patroni-rest", "config"}).out)["data"];
    CHECK(config.value("synchronous_mode", false) == false);  // restored

    // The quorum variant needs Patroni 4: on an older one it is skipped, saying why, and changes nothing.
    if (!patroni_under_test().empty()) return;
    auto quorum = run_drill(s, {"sync-standby", "-p", "mode=quorum"});
    CHECK(quorum["outcome"] == "skipped");
    CHECK(contains(quorum["message"].get<std::string>(),
                   "synchronous_mode: quorum needs Patroni 4.0 or later"));
    CHECK(quorum["faults_injected"] == 0);
}
