// sync-standby (seed case 9, second part): synchronous_mode on through PATCH /config (the seed's
// `patronictl edit-config`). One member must become sync_standby and be named in the primary's
// synchronous_standby_names; then the primary's node dies under write load and no acknowledged write
// may be lost. The same failover runs again with synchronous_mode off, and its loss (asynchronous
// replication may lose the unreplicated tail) is reported beside it.
#include <drillhost/sdk.hpp>

#include <optional>

#include "leader_loss.hpp"

using namespace drillhost::drills;

namespace {

std::string sync_standby_in(const json &cluster) {
    for (const auto &m : cluster.value("members", json::array()))
        if (m.value("role", "") == "sync_standby") return m.value("name", "");
    return "";
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
    "compare_async": {"type": "boolean", "default": true, "description": "run the same failover with synchronous_mode off and report its loss"})json"};

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
        const Bounds bounds = start_drill(host).bounds;
        std::string bound = bounds.failover().text();

        host.phase("synchronous_mode on");
        std::optional<dh::Fault> sync_on;
        if (!bounds.synchronous)
            sync_on = host.inject(config_injector, {{"config", {{"synchronous_mode", true}}}});
        // The primary picks a streaming replica, sets synchronous_standby_names, and publishes it
        // once that replica reports sync: a loop or two.
        double named_ms = -1, since = host.now_ms();
        std::string standby, leader, names;
        named_ms = wait_until(host, since, 1000 * bounds.ttl_s, [&] {
            json cluster = cluster_view(host);
            standby = sync_standby_in(cluster), leader = leader_of(cluster);
            if (standby.empty() || leader.empty()) return false;
            names = synchronous_standby_names(host, leader);
            return names.find(standby) != std::string::npos;
        });
        host.check(
            "a member becomes sync_standby, named in synchronous_standby_names", named_ms >= 0,
            named_ms >= 0
                ? standby + " after " + ms_text(named_ms) + " (synchronous_standby_names = " + names + ")"
                : "sync_standby '" + standby + "', synchronous_standby_names '" + names + "'",
            "within ttl (" + ms_text(1000 * bounds.ttl_s) + ")");
        if (named_ms < 0) return;  // the host reverts the config
        host.measure("sync_standby_named", named_ms, "ms");

        host.phase("failover under write load, synchronous");
        FailoverRun sync = failover_under_load(host, bounds, params, "convergence");
        report_takeover(host, sync.takeover);
        host.check(
            "the sync standby took over", sync.takeover.new_leader == standby,
            sync.takeover.new_leader.empty() ? "nobody promoted" : sync.takeover.new_leader + " promoted",
            standby + " promoted within " + bound);
        WriteWatch::report(host, sync.writes, {.zero_loss = true, .promoted_at_ms = sync.promoted_at_ms});
        if (sync_on) host.revert(*sync_on);
        if (!params.value("compare_async", true)) return;

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
