// primary-down/node-lost (seed case 4): the primary's node dies: its Patroni SIGKILLed, then its
// PostgreSQL crashed (SIGQUIT: immediate shutdown, every backend gone at once, as when the machine
// goes). Patroni must fail over automatically: one new leader on the next timeline within the bound,
// and the old primary, once back, must rejoin as a replica (pg_rewind). Measures RTO and its phases
// (leader key lost, new leader elected, promoted, first acknowledged write) and the writes lost.
#include <drillhost/sdk.hpp>

#include "takeover.hpp"
#include "write_watch.hpp"

using namespace drillhost::drills;

struct NodeLostDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.primary-down.node-lost",
        "primary-down/node-lost",
        "0.1.0",
        "The primary's node dies: automatic failover, RTO phases, the old primary rejoins",
        R"json({
        "type": "object",
        "properties": {
            "writer_rate_hz": {"type": "number", "minimum": 1, "default": 200, "description": "write load per writer client"},
            "settle_s": {"type": "number", "minimum": 0, "default": 2, "description": "write load before the fault"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_PRIMARY_LOST};

    void run(dh::Host &host, const json &params) override {
        Bounds bounds = read_bounds(host);
        json cluster = preflight(host, bounds);
        std::string leader = leader_of(cluster);
        int timeline = timeline_of(cluster, leader);
        // The key expires ttl after the leader's last refresh; a replica notices within a loop, runs
        // the leader race (it asks every member, retry_timeout at worst) and promotes.
        double bound_ms = bounds.failover().ms;
        std::string bound = "<= " + bounds.failover().text();

        WriteWatch watch;
        watch.start(host, params, leader);

        NodeKill killed = kill_node(host, leader);
        double fault_ms = host.now_ms();  // the node is gone: nothing of it serves from here on
        Takeover t = watch_takeover(host, fault_ms, leader, members_except(cluster, leader), bound_ms);
        report_takeover(host, t);
        host.check("a new leader took over", t.promoted_ms >= 0,
                   t.promoted_ms >= 0 ? t.new_leader + " promoted after " + ms_text(t.promoted_ms)
                                      : "nobody promoted",
                   bound);
        if (t.promoted_ms >= 0)
            host.check("next timeline", t.timeline == timeline + 1, "timeline " + std::to_string(t.timeline),
                       "timeline " + std::to_string(timeline + 1));

        host.phase("bringing " + leader + " back");
        revive_node(host, killed);
        bool converged = converge(host, bounds, bounds.failover());
        double promoted_at = t.promoted_ms >= 0 ? fault_ms + t.promoted_ms : -1;
        WriteOutcome writes = watch.stop(host, fault_ms, promoted_at);
        if (converged) {
            bool replica = sql_status(host, leader).value("in_recovery", false);
            host.check("old primary rejoined as a replica", replica,
                       leader + (replica ? " in recovery" : " writable"), "in recovery");
            int rewinds = log_lines_with(host, leader, "patroni", "pg_rewind");
            host.event("old_primary.rewind_log_lines", {{"count", rewinds}});
        }
        WriteWatch::report(host, writes, {.zero_loss = bounds.synchronous, .promoted_at_ms = promoted_at});
    }
};

DRILLHOST_PLUGIN("primary-down-node-lost", "0.1.0", NodeLostDrill)
