// dcs-down/primary-client (seed case 6): only the primary's host loses the DCS (iptables on the DCS
// client port; its peers, its PostgreSQL and its REST API stay reachable). The seed describes Consul;
// what Patroni documents for etcd, and what this drill asserts:
//   - the primary cannot refresh its leader key, so it demotes itself before the key expires (ttl);
//   - the key expires and a replica, which still sees the DCS, is elected and promoted;
//   - there is never a second writable primary, and no write acknowledged after the promotion is lost;
//   - replicas stay readable throughout;
//   - once the host sees the DCS again, the old primary rejoins as a replica of the new leader.
// Reported: how far behind the cut-off member fell (it cannot learn the new leader), who leads, and
// how long until the cluster converged.
#include <drillhost/sdk.hpp>

#include "takeover.hpp"
#include "two_primaries.hpp"
#include "write_watch.hpp"

using namespace drillhost::drills;

struct DcsDownPrimaryClientDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.dcs-down.primary-client",
        "dcs-down/primary-client",
        "0.1.0",
        "The primary's host loses the DCS: it demotes, a replica leads, it rejoins",
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
        std::vector<std::string> replicas = members_except(cluster, leader);
        double ttl_ms = 1000 * bounds.ttl_s;
        double bound_ms = bounds.failover().ms;
        std::string bound = bounds.failover().text();

        WriteWatch watch;
        watch.start(host, params, leader);
        host.phase("cutting " + leader + " off from the DCS");
        dh::Fault cut = host.inject("org.drillhost.injector.partition", {{"host", leader}, {"dcs", true}});
        double fault_ms = host.now_ms();

        // The old primary's demotion and the takeover, on one clock; replicas' reads sampled alongside.
        double demoted_ms = -1;
        int reads = 0, failed_reads = 0;
        Takeover t = watch_takeover(host, fault_ms, leader, replicas, bound_ms, [&] {
            for (const auto &r : replicas) {
                ++reads;
                try {
                    sql_status(host, r);
                } catch (const dh::Error &e) {
                    if (e.status() == DH_ERR_CANCELLED) throw;
                    ++failed_reads;
                }
            }
            if (demoted_ms < 0 && !writable(host, leader)) demoted_ms = host.now_ms() - fault_ms;
            return demoted_ms >= 0;
        });
        report_takeover(host, t);
        if (demoted_ms >= 0) host.measure("old_primary_read_only", demoted_ms, "ms");
        host.check(
            "the old primary stops accepting writes before its leader key expires",
            demoted_ms >= 0 && demoted_ms <= ttl_ms,
            demoted_ms >= 0 ? leader + " read-only after " + ms_text(demoted_ms) : leader + " still writable",
            "within ttl (" + ms_text(ttl_ms) + ")");
        host.check("a replica that sees the DCS took over", t.promoted_ms >= 0,
                   t.promoted_ms >= 0 ? t.new_leader + " promoted after " + ms_text(t.promoted_ms)
                                      : "nobody promoted",
                   bound);
        if (t.promoted_ms >= 0)
            host.check("next timeline", t.timeline == timeline + 1, "timeline " + std::to_string(t.timeline),
                       "timeline " + std::to_string(timeline + 1));
        host.check("replicas stay readable", failed_reads == 0,
                   std::to_string(reads - failed_reads) + " of " + std::to_string(reads) + " reads answered",
                   "all");

        if (t.promoted_ms >= 0) {
            // The cut-off member cannot learn who leads now, so it does not follow: how far behind.
            host.sleep(std::chrono::milliseconds(static_cast<long>(2000 * bounds.loop_wait_s)));
            try {
                double head = lsn_bytes(sql_status(host, t.new_leader).value("current_lsn", json()));
                double at = lsn_bytes(sql_status(host, leader).value("replay_lsn", json()));
                if (head >= 0 && at >= 0) host.measure("old_primary_behind_at_heal", head - at, "bytes");
            } catch (const dh::Error &e) {
                if (e.status() == DH_ERR_CANCELLED) throw;
                host.event("old_primary.unreadable", {{"error", e.what()}});
            }
        }

        host.phase("healing: " + leader + " sees the DCS again");
        host.revert(cut);
        bool converged = converge(host, bounds, bounds.failover().twice());
        double promoted_at = t.promoted_ms >= 0 ? fault_ms + t.promoted_ms : -1;
        WriteOutcome writes = watch.stop(host, fault_ms, promoted_at);
        if (converged) {
            json after = cluster_view(host);
            host.event("resolved", {{"leader", leader_of(after)}, {"old_leader", leader}});
            bool replica = sql_status(host, leader).value("in_recovery", false);
            host.check("old primary rejoined as a replica", replica,
                       leader + (replica ? " in recovery" : " writable") + ", " + leader_of(after) + " leads",
                       "in recovery");
        }
        WriteWatch::report(
            host, writes,
            {.with_rto = false, .zero_loss = bounds.synchronous, .promoted_at_ms = promoted_at});
    }
};

DRILLHOST_PLUGIN("dcs-down-primary-client", "0.1.0", DcsDownPrimaryClientDrill)
