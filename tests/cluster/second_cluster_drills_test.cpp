// The drills that build a second cluster on the embedded cluster's hosts (seed cases 8 and 10):
// standby-cluster and takeover. Each must leave nothing of it behind.
#include <filesystem>

#include "drill_runs.hpp"

namespace {

// Directories or processes of a scratch cluster still there.
std::string scratch_leftovers(const Sandbox &s, const sb::SandboxState &state) {
    std::string found;
    for (const auto &m : state.members)
        for (const auto &entry : std::filesystem::directory_iterator(m.dir))
            if (entry.path().filename().string().rfind("scratch-", 0) == 0)
                found += entry.path().string() + " ";
    auto ps = s.drillhost(
        {"sandbox", "exec", state.members[0].name, "--", "sh", "-c", "pgrep -af '[s]cratch-' || true"});
    return found + ps.out;
}

}  // namespace

TEST_CASE("takeover: Patroni adopts a hand-made primary and replica without re-initialising them") {
    Sandbox s;
    auto state = s.up();
    auto drill = run_drill(s, {"takeover"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(verdict(drill, "same system identifier") == "pass");
    CHECK(verdict(drill, "nothing re-initialised") == "pass");
    CHECK(verdict(drill, "rows kept") == "pass");
    CHECK(has_measurement(drill, "adopt"));
    CHECK(drill["faults_left_open"] == 0);
    CHECK_MESSAGE(scratch_leftovers(s, state).empty(), scratch_leftovers(s, state));
}

TEST_CASE("standby-cluster: a standby leader replicates, and removing standby_cluster promotes it") {
    Sandbox s;
    auto state = s.up();
    auto drill = run_drill(s, {"standby-cluster"});
    INFO(drill.dump());
    CHECK(drill["outcome"] == "passed");
    CHECK(has_measurement(drill, "replication_delay"));
    CHECK(has_measurement(drill, "promotion"));
    CHECK(verdict(drill, "the main cluster is untouched") == "pass");
    CHECK(drill["faults_left_open"] == 0);
    CHECK_MESSAGE(scratch_leftovers(s, state).empty(), scratch_leftovers(s, state));
}
