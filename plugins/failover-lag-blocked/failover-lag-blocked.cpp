// failover-lag-blocked (seed case 5): every replica falls behind by more than
// maximum_lag_on_failover, then the primary is lost. Patroni must not promote a lagging replica on
// its own; a manual failover to a named candidate must still work (the seed's "when every node is
// unhealthy, e.g. too much lag, fail over by hand").
//
// How the replicas fall behind: Patroni 3.0.2 measures a replica's lag from max(received, replayed)
// WAL, so pausing replay (the seed's way) makes no lag in Patroni's eyes while WAL still arrives;
// and it resumes a paused replay on PostgreSQL 14+ within a loop anyway.
// By default the drill cuts the replication stream instead (iptables on the primary's PostgreSQL
// port, REST and DCS untouched) and writes WAL on the primary until /cluster shows the lag.
// method=replay-pause does what the seed says and reports whether any lag appears.
#include <drillhost/sdk.hpp>

#include "takeover.hpp"

using namespace drillhost::drills;

namespace {

double smallest_lag(const json &cluster, const std::vector<std::string> &replicas) {
    double least = -1;
    for (const auto &r : replicas) {
        json m = member_in(cluster, r);
        double lag =
            !m.is_null() && m.value("lag_bytes", json()).is_number() ? m["lag_bytes"].get<double>() : 0;
        if (least < 0 || lag < least) least = lag;
    }
    return least;
}

}  // namespace

struct LagBlockedDrill : dh::Drill {
    static constexpr dh::Info info{"org.drillhost.drill.failover-lag-blocked",
                                   "failover-lag-blocked",
                                   "0.1.0",
                                   "Every replica lags past maximum_lag_on_failover, the primary dies: no "
                                   "automatic promotion, a manual failover still works",
                                   R"json({
        "type": "object",
        "properties": {
            "method": {"enum": ["stream-cut", "replay-pause"], "default": "stream-cut",
                       "description": "how the replicas fall behind (see the drill's docs)"},
            "candidate": {"type": "string", "description": "the member to fail over to by hand (default: the least lagging replica)"},
            "batch_rows": {"type": "integer", "minimum": 100, "default": 5000, "description": "rows per WAL-making insert (~0.6 kB of WAL each)"}
        },
        "additionalProperties": false
    })json",
                                   DH_IMPACT_PRIMARY_LOST,
                                   R"(["org.drillhost.drill.failover.lag-blocked", "failover/lag-blocked"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::vector<std::string> replicas = members_except(cluster, leader);
        std::string candidate = pick_replica(cluster, params, "candidate");
        double bound_ms = bounds.failover().ms;
        std::string bound = bounds.failover().text();
        std::string table = "drillhost_lag_" + std::to_string(static_cast<long>(host.now_ms()));
        auto on_leader = [&](const std::string &sql) {
            return host.operate(sql_probe, "execute",
                                {{"member", leader}, {"sql", sql}, {"statement_timeout_ms", 60000}});
        };
        // An act with an undo: the host drops the table when the drill ends, however it ends.
        json made = host.operate(sql_probe, "create_table",
                                 {{"member", leader}, {"table", table}, {"columns", "id int, filler text"}});

        std::string method = params.value("method", "stream-cut");
        host.phase("making every replica fall behind (" + method + ")");
        int pg_port = 5432;
        for (const auto &m : host.target().value("members", json::array()))
            if (m.value("name", "") == leader) pg_port = m.value("pg_port", 5432);
        std::vector<dh::Fault> behind;
        for (const auto &r : replicas)
            behind.push_back(
                method == "replay-pause"
                    ? host.inject(wal_replay_pause_injector, {{"host", r}})
                    : host.inject(
                          partition_injector,
                          {{"host", r}, {"peers", {leader}}, {"ports", {pg_port}}, {"direction", "both"}}));

        // WAL on the primary until Patroni shows every replica behind (the leader publishes its
        // position each loop), or enough WAL for it has been written twice over.
        double lag = 0, written = 0, limit = bounds.maximum_lag_on_failover;
        int rows = params.value("batch_rows", 5000);
        double lag_bound_ms = 1000 * (bounds.ttl_s + 4 * bounds.loop_wait_s);
        double since = host.now_ms();
        double lagged_ms = wait_until(host, since, lag_bound_ms, [&] {
            if (written < 4 * limit + 16e6) {
                on_leader("INSERT INTO " + table + " SELECT g, repeat('x', 500) FROM generate_series(1, " +
                          std::to_string(rows) + ") g");
                written += rows * 600.0;
            }
            lag = smallest_lag(cluster_view(host, leader), replicas);
            if (lag <= limit) return false;
            // /cluster's lag is the leader's published position minus the replica's, each
            // published once per loop: under heavy writes that gap alone looks like lag. Real lag
            // is still there after every member has published again on a quiet primary.
            host.sleep(std::chrono::milliseconds(static_cast<long>(2000 * bounds.loop_wait_s + 500)));
            lag = smallest_lag(cluster_view(host, leader), replicas);
            return lag > limit;
        });
        host.measure("lag_at_fault", lag, "bytes");
        if (lagged_ms < 0) {
            host.event("lag.not_built",
                       {{"method", method}, {"lag_bytes", lag}, {"wal_written_bytes", written}});
            host.verdict("replicas lag past maximum_lag_on_failover", dh::Verdict::fail,
                         "smallest lag " + std::to_string(static_cast<long>(lag)) + " bytes after ~" +
                             std::to_string(static_cast<long>(written / 1e6)) + " MB of WAL" +
                             (method == "replay-pause" ? " (received WAL counts as caught up)" : ""),
                         "> " + std::to_string(static_cast<long>(limit)) + " bytes");
            return;  // the host reverts the faults; the convergence gate is the next drill's pre-flight
        }

        NodeKill killed = kill_node(host, leader);
        double fault_ms = host.now_ms();
        std::string promoted;
        wait_until(host, fault_ms, bound_ms, [&] {
            for (const auto &r : replicas)
                if (!sql_status(host, r).value("in_recovery", true)) promoted = r;
            return !promoted.empty();
        });
        host.check("no automatic promotion of a lagging replica", promoted.empty(),
                   promoted.empty() ? "nobody promoted in " + ms_text(bound_ms) : promoted + " promoted",
                   "no promotion within " + bound);

        host.phase("manual failover to " + candidate);
        double asked_ms = host.now_ms();
        json reply = host.operate(patroni_rest, "failover", {{"body", {{"candidate", candidate}}}});
        host.event("failover.reply", reply);
        double led_ms = wait_until(
            host, asked_ms, bound_ms,
            [&] {
                return leader_of(cluster_view(host, candidate)) == candidate &&
                       !sql_status(host, candidate).value("in_recovery", true);
            },
            std::chrono::milliseconds(100));
        host.check("manual failover to the candidate works", led_ms >= 0,
                   led_ms >= 0
                       ? candidate + " writable after " + ms_text(led_ms)
                       : reply.value("outcome", "") + " (HTTP " + reply.value("status", json()).dump() + ")",
                   candidate + " leads and is writable within " + bound);
        if (led_ms >= 0) {
            host.measure("manual_failover", led_ms, "ms");
            int now_timeline = sql_status(host, candidate).value("timeline", 0);
            host.check("next timeline", now_timeline == timeline + 1,
                       "timeline " + std::to_string(now_timeline),
                       "timeline " + std::to_string(timeline + 1));
        }

        host.phase("healing: replication back, " + leader + " back");
        for (const auto &fault : behind) host.revert(fault);
        revive_node(host, killed);
        converge(host, bounds, bounds.failover().twice());
        host.operate(sql_probe, "drop_table", {{"record", made}});
    }
};

DRILLHOST_PLUGIN("failover-lag-blocked", "0.1.0", LagBlockedDrill)
