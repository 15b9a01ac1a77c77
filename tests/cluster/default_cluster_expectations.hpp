// What each drill must report on the default embedded cluster, checked on the runs of `run --all`
// (run_all_test.cpp). These drills once had a test each that brought up a fresh cluster of the same
// configuration and ran the drill alone; run --all runs every one of them on such a cluster anyway,
// so their checks are made there, on its results, and the test command spends those bring-ups and
// drill runs once (docs/testing.md). Tests that need another configuration, a fault placed first or
// a parameter (the checkers' failing sides, the scheduled switchover, failsafe_mode with a cut-off
// replica) keep their own cluster.
#pragma once

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "drill_runs.hpp"

inline namespace default_cluster_expectations {

inline std::string drill_name(const json &drill) {
    std::string id = drill["drill"];
    return id.substr(id.rfind('.') + 1);
}

inline void check_fencing_watchdog(const json &drill) {
    CHECK(verdict(drill, "the watchdog fenced the frozen leader before its key expired") == "pass");
    CHECK(measurement(drill, "fenced") < measurement(drill, "promoted"));
    CHECK(measurement(drill, "split_brain") == 0);
    // The checker's other side: without the watchdog the sampler must see the overlap.
    CHECK(measurement(drill, "split_brain_without_watchdog") > 0);
}

inline void check_sync_standby(const json &drill) {
    CHECK(verdict(drill, "a member becomes sync_standby, named in synchronous_standby_names") == "pass");
    CHECK(verdict(drill, "a sync_standby took over") == "pass");
    CHECK(measurement(drill, "lost_writes") == 0);
    CHECK(measurement(drill, "lost_wal_bytes") == 0);  // nothing beyond the switch point
    CHECK(has_measurement(drill, "async_lost_writes"));
}

// ttl_ms: the cluster's ttl, from the run's report (10 s on the default sandbox).
inline void check_dcs_down_all(const json &drill, double ttl_ms) {
    CHECK(verdict(drill, "failsafe off: the primary stops accepting writes before its leader key expires") ==
          "pass");
    CHECK(verdict(drill, "failsafe off: read-only until the DCS returns") == "pass");
    CHECK(verdict(drill, "failsafe on: the primary stays the only writable member through the outage") ==
          "pass");
    CHECK(measurement(drill, "failsafe_off_time_to_read_only") < ttl_ms);
    CHECK(has_measurement(drill, "failsafe_on_time_to_writable"));
    CHECK(measurement(drill, "failsafe_off_lost_writes") == 0);
    CHECK(measurement(drill, "failsafe_on_lost_writes") == 0);
}

inline void check_dcs_down_primary_client(const json &drill) {
    check_cut_off_primary(drill);
    CHECK(measurement(drill, "old_primary_read_only") < measurement(drill, "promoted"));
    CHECK(measurement(drill, "split_brain") == 0);
    CHECK(verdict(drill, "old primary rejoined as a replica") == "pass");
}

inline void check_dcs_down_replica_client(const json &drill) {
    CHECK(has_measurement(drill, "left_cluster_view"));
    CHECK(measurement(drill, "lost_writes") == 0);
}

inline void check_takeover(const json &drill) {
    CHECK(verdict(drill, "same system identifier") == "pass");
    CHECK(verdict(drill, "nothing re-initialised") == "pass");
    CHECK(verdict(drill, "rows kept") == "pass");
    CHECK(has_measurement(drill, "adopt"));
}

inline void check_standby_cluster(const json &drill) {
    CHECK(has_measurement(drill, "replication_delay"));
    CHECK(has_measurement(drill, "promotion"));
    CHECK(verdict(drill, "the main cluster is untouched") == "pass");
}

// journal: the run's journal lines; the drill's role samples (docs/ledger.md, "Role samples") show
// the leader change between two of them.
inline void check_switchover(const json &drill, const std::vector<json> &journal) {
    CHECK(failed_assertions(drill).empty());
    CHECK(measurement(drill, "lost_writes") == 0);
    CHECK(measurement(drill, "acknowledged_writes") > 100);
    CHECK(measurement(drill, "unavailability") > 0);
    CHECK(measurement(drill, "split_brain") == 0);
    std::set<std::string> leaders;
    size_t role_events = 0;
    for (const auto &e : journal) {
        if (e.value("name", "") != "roles" || e.value("drill", "") != drill["drill"]) continue;
        ++role_events;
        CHECK(e["details"]["version"] == 1);
        for (const auto &[name, m] : e["details"]["members"].items())
            if (m["role"] == "leader") leaders.insert(name);
    }
    CHECK(role_events >= 2);
    CHECK(leaders.size() == 2);  // the old leader, then the candidate
}

// The drill-specific checks above on run --all's report: each of these drills must be in it (a drill
// renamed or left out would otherwise take its checks with it), and each is checked once.
inline void check_default_cluster_expectations(const json &report, const std::vector<json> &journal) {
    const double ttl_ms = report["cluster"]["timing"]["ttl"].get<double>() * 1000;
    const std::map<std::string, std::function<void(const json &)>> checks{
        {"fencing-watchdog", check_fencing_watchdog},
        {"sync-standby", check_sync_standby},
        {"dcs-down-all", [&](const json &d) { check_dcs_down_all(d, ttl_ms); }},
        {"dcs-down-primary-client", check_dcs_down_primary_client},
        {"dcs-down-replica-client", check_dcs_down_replica_client},
        {"takeover", check_takeover},
        {"standby-cluster", check_standby_cluster},
        {"switchover", [&](const json &d) { check_switchover(d, journal); }},
    };
    std::set<std::string> checked;
    for (const auto &drill : report["drills"]) {
        auto check = checks.find(drill_name(drill));
        if (check == checks.end()) continue;
        INFO(check->first << ": " << drill.dump());
        check->second(drill);
        checked.insert(check->first);
    }
    for (const auto &[name, check] : checks)
        CHECK_MESSAGE(checked.count(name) == 1, name << " not in the run");
}

// Directories or processes of a scratch cluster (takeover, standby-cluster) still there.
inline std::string scratch_leftovers(const Sandbox &s, const sb::SandboxState &state) {
    std::string found;
    for (const auto &m : state.members)
        for (const auto &entry : std::filesystem::directory_iterator(m.dir))
            if (entry.path().filename().string().rfind("scratch-", 0) == 0)
                found += entry.path().string() + " ";
    auto ps = s.drillhost(
        {"sandbox", "exec", state.members[0].name, "--", "sh", "-c", "pgrep -af '[s]cratch-' || true"});
    return found + ps.out;
}

// After the run, what those drills changed is as it was: no watchdog armed and no monitor left
// (fencing-watchdog; the sandbox runs without --watchdog), synchronous_mode and failsafe_mode off
// in GET /config (sync-standby, dcs-down-all), no scratch cluster (takeover, standby-cluster).
inline void check_default_cluster_restored(const Sandbox &s, const sb::SandboxState &state) {
    for (const auto &m : state.members) {
        std::ifstream in(m.patroni_config());
        CHECK(json::parse(in)["watchdog"]["mode"] == "off");
        std::ifstream pid_file(m.dir / "watchdog.pid");
        int pid = 0;
        if (pid_file >> pid)
            CHECK_MESSAGE(::kill(pid, 0) != 0, "watchdog monitor of " << m.name << " still runs");
    }
    auto config = json::parse(dh(s, {"probe", "patroni-rest", "config"}).out)["data"];
    CHECK(config.value("synchronous_mode", false) == false);
    CHECK(config.value("failsafe_mode", false) == false);
    CHECK_MESSAGE(scratch_leftovers(s, state).empty(), scratch_leftovers(s, state));
}

}  // namespace default_cluster_expectations
