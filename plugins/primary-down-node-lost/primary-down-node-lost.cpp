// primary-down-node-lost (seed case 4): the primary's node dies: its Patroni SIGKILLed, then its
// PostgreSQL crashed (SIGQUIT: immediate shutdown, every backend gone at once, as when the machine
// goes). Patroni must fail over automatically: one new leader on the next timeline within the bound,
// and the old primary, once back, must rejoin as a replica (pg_rewind). Measures RTO and its phases
// (leader key lost, new leader elected, promoted, first acknowledged write) and the writes lost.
#include <drillhost/sdk.hpp>

#include "leader_loss.hpp"

using namespace drillhost::drills;

struct NodeLostDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.primary-down-node-lost",
        "primary-down-node-lost",
        "0.1.0",
        "The primary's node dies: automatic failover, RTO phases, the old primary rejoins",
        dh::params_schema<write_load_params>,
        DH_IMPACT_PRIMARY_LOST,
        R"(["org.drillhost.drill.primary-down.node-lost", "primary-down/node-lost"])"};

    void run(dh::Host &host, const json &params) override {
        DrillStart start = start_drill(host);
        const auto &[bounds, cluster, leader, timeline] = start;
        LeaderLossUnderLoad loss(host, start, params);

        NodeKill killed = kill_node(host, leader);  // nothing of the node serves from here on
        // The key expires ttl after the leader's last refresh; a replica notices within a loop, runs
        // the leader race (it asks every member, retry_timeout at worst) and promotes.
        loss.await_takeover(bounds.failover());

        host.phase("bringing " + leader + " back");
        revive_node(host, killed);
        bool converged = converge(host, bounds, bounds.failover());
        loss.finish(/*with_rto=*/true);
        if (converged) {
            bool replica = sql_status(host, leader).value("in_recovery", false);
            host.check("old primary rejoined as a replica", replica,
                       leader + (replica ? " in recovery" : " writable"), "in recovery");
            int rewinds = log_lines_with(host, leader, "patroni", "pg_rewind");
            host.event("old_primary.rewind_log_lines", {{"count", rewinds}});
        }
    }
};

DRILLHOST_PLUGIN("primary-down-node-lost", "0.1.0", NodeLostDrill)
