// sync-standby (seed case 9, second part): synchronous_mode on through PATCH /config (the seed's
// `patronictl edit-config`). One member must become sync_standby and be named in the primary's
// synchronous_standby_names; then the primary's node dies under write load and no acknowledged write
// may be lost. The same failover runs again with synchronous_mode off, and its loss (asynchronous
// replication may lose the unreplicated tail) is reported beside it.
// mode=quorum (Patroni 4.0+): `synchronous_mode: quorum` with synchronous_node_count n: the primary's
// synchronous_standby_names must be `ANY n (...)` naming its quorum standbys, and a failover under
// write load loses nothing. Skipped, saying why, on a Patroni older than 4.0.
#include <drillhost/sdk.hpp>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "leader_loss.hpp"

using namespace drillhost::drills;

namespace {

// The members /cluster calls sync_standby (or quorum_standby, Patroni 4's quorum mode), by name.
std::vector<std::string> sync_standbys_in(const json &cluster, const std::string &role) {
    std::vector<std::string> names;
    for (const auto &m : cluster.value("members", json::array()))
        if (m.value("role", "") == role) names.push_back(m.value("name", ""));
    return names;
}

std::string joined(const std::vector<std::string> &names) {
    std::string text;
    for (const auto &n : names) text += (text.empty() ? "" : ", ") + n;
    return text;
}

// "4.1.4" -> 4; 0 when the member does not say.
int patroni_major(const dh::Host &host) {
    std::string version = host.operate(patroni_rest, "patroni")
                              .at("data")
                              .value("patroni", json::object())
                              .value("version", "");
    return version.empty() ? 0 : std::atoi(version.c_str());
}

// What the primary's synchronous_standby_names must look like: each standby named, and with quorum
// commit "ANY n (...)".
bool names_match(const std::string &names, const std::vector<std::string> &standbys, bool quorum, int count) {
    if (standbys.empty()) return false;
    if (quorum && names.rfind("ANY " + std::to_string(count) + " (", 0) != 0) return false;
    for (const auto &s : standbys)
        if (names.find(s) == std::string::npos) return false;
    return true;
}

std::string synchronous_standby_names(const dh::Host &host, const std::string &leader) {
    json rows = host.operate(sql_probe, "rows",
                             {{"member", leader},
                              {"sql", "SELECT current_setting('synchronous_standby_names') AS names"}})
                    .at("rows");
    return rows.empty() ? "" : rows[0].value("names", "");
}

// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "compare_async": {"type": "boolean", "default": true, "description": "run the same failover with synchronous_mode off and report its loss"},
    "mode": {"enum": ["on", "quorum"], "default": "on", "description": "synchronous_mode: on (one sync standby), or quorum (Patroni 4.0+: ANY n of the replicas)"},
    "synchronous_node_count": {"type": "integer", "minimum": 1, "default": 1, "description": "quorum: how many standbys must confirm each commit"})json"};

struct FailoverRun {
    std::string old_leader;
    Takeover takeover;
    WriteOutcome writes;
    double promoted_at_ms = -1;
};

// The primary's node dies under write load; a replica takes over; the node comes back and the
// cluster converges. The write ledger is read on the new primary. The takeover is judged by the
// caller (the synchronous round and the asynchronous one promise different things).
FailoverRun failover_under_load(const dh::Host &host, const Bounds &bounds, const json &params,
                                const std::string &convergence) {
    json cluster = cluster_view(host);
    std::string leader = leader_of(cluster);
    LeaderLossUnderLoad loss(host, {bounds, cluster, leader, timeline_of(cluster, leader)}, params);
    NodeKill killed = kill_node(host, leader);
    loss.await_takeover(bounds.failover(), {.check = "", .next_timeline = false, .report = false});
    host.phase("bringing " + leader + " back");
    revive_node(host, killed);
    converge(host, bounds, bounds.failover(), convergence);
    return {leader, loss.takeover(), loss.stop(), loss.promoted_at_ms()};
}

}  // namespace

struct SyncStandbyDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.sync-standby",
        "sync-standby",
        "0.1.0",
        "synchronous_mode on: a sync_standby is named, and a failover under load loses nothing; "
        "then the same failover asynchronous",
        dh::params_schema<own_params, write_load_params>,
        DH_IMPACT_PRIMARY_LOST};

    void run(dh::Host &host, const json &params) override {
        bool quorum = params.value("mode", "on") == "quorum";
        int count = params.value("synchronous_node_count", 1);
        if (quorum) {
            int major = patroni_major(host);
            if (major < 4)
                throw dh::Skip(
                    "synchronous_mode: quorum needs Patroni 4.0 or later; this cluster's Patroni is " +
                    (major ? std::to_string(major) + ".x" : std::string("of an unknown version")));
        }
        const Bounds bounds = start_drill(host).bounds;
        std::string bound = bounds.failover().text();
        std::string role = quorum ? "quorum_standby" : "sync_standby";
        json wanted = quorum ? json{{"synchronous_mode", "quorum"}, {"synchronous_node_count", count}}
                             : json{{"synchronous_mode", true}};

        host.phase(quorum ? "synchronous_mode quorum, synchronous_node_count " + std::to_string(count)
                          : std::string("synchronous_mode on"));
        std::optional<dh::Fault> sync_on;
        if (!bounds.synchronous ||
            bounds.config.value("synchronous_mode", json()) != wanted["synchronous_mode"])
            sync_on = host.inject(config_injector, {{"config", wanted}});
        // The primary picks streaming replicas, sets synchronous_standby_names, and publishes them
        // once they report sync: a loop or two.
        double named_ms = -1, since = host.now_ms();
        std::vector<std::string> standbys;
        std::string leader, names;
        named_ms = wait_until(host, since, 1000 * bounds.ttl_s, [&] {
            json cluster = cluster_view(host);
            standbys = sync_standbys_in(cluster, role), leader = leader_of(cluster);
            if (standbys.empty() || leader.empty()) return false;
            names = synchronous_standby_names(host, leader);
            return names_match(names, standbys, quorum, count);
        });
        std::string expected = quorum ? "ANY " + std::to_string(count) + " (its " + role + "s)" : "naming it";
        host.check("a member becomes " + role + ", named in synchronous_standby_names", named_ms >= 0,
                   named_ms >= 0
                       ? joined(standbys) + " after " + ms_text(named_ms) +
                             " (synchronous_standby_names = " + names + ")"
                       : role + " '" + joined(standbys) + "', synchronous_standby_names '" + names + "'",
                   expected + ", within ttl (" + ms_text(1000 * bounds.ttl_s) + ")");
        if (named_ms < 0) return;  // the host reverts the config
        host.measure("sync_standby_named", named_ms, "ms");

        host.phase(std::string("failover under write load, ") + (quorum ? "quorum commit" : "synchronous"));
        FailoverRun sync = failover_under_load(host, bounds, params, "convergence");
        report_takeover(host, sync.takeover);
        bool was_standby =
            std::find(standbys.begin(), standbys.end(), sync.takeover.new_leader) != standbys.end();
        host.check(
            "a " + role + " took over", was_standby,
            sync.takeover.new_leader.empty() ? "nobody promoted" : sync.takeover.new_leader + " promoted",
            "one of " + joined(standbys) + " promoted within " + bound);
        WriteWatch::report(host, sync.writes, {.zero_loss = true, .promoted_at_ms = sync.promoted_at_ms});
        if (sync_on) host.revert(*sync_on);
        if (!params.value("compare_async", true) || quorum) return;

        host.phase("the same failover, asynchronous");
        std::optional<dh::Fault> sync_off;
        if (!sync_on) sync_off = host.inject(config_injector, {{"config", {{"synchronous_mode", false}}}});
        FailoverRun async = failover_under_load(host, bounds, params, "async_convergence");
        host.measure("async_lost_writes", static_cast<double>(async.writes.lost()), "count");
        host.measure("async_rto", async.writes.rto_ms(), "ms");
        host.measure("async_split_brain", async.writes.overlap_ms(), "ms");
        host.event("async.failover", {{"old_leader", async.old_leader},
                                      {"new_leader", async.takeover.new_leader},
                                      {"lost", async.writes.lost()},
                                      {"lost_after_promotion", async.writes.lost_after()},
                                      {"acknowledged", async.writes.verify.value("acknowledged", 0)}});
        host.check("asynchronous: a new leader took over", async.takeover.promoted_ms >= 0,
                   async.takeover.promoted_ms >= 0
                       ? async.takeover.new_leader + " promoted after " + ms_text(async.takeover.promoted_ms)
                       : "nobody promoted",
                   bound);
        host.check("asynchronous: no write lost that was acknowledged after the promotion",
                   async.writes.lost_after() == 0,
                   std::to_string(async.writes.lost_after()) +
                       " (all lost: " + std::to_string(async.writes.lost()) +
                       ", synchronous: " + std::to_string(sync.writes.lost()) + ")",
                   "0; asynchronous replication may lose the unreplicated tail before it");
        host.check("asynchronous: never two writable primaries", !async.writes.split_brain(),
                   ms_text(async.writes.overlap_ms()) + " of overlap", "0 ms");
        if (sync_off) host.revert(*sync_off);
    }
};

DRILLHOST_PLUGIN("sync-standby", "0.1.0", SyncStandbyDrill)
