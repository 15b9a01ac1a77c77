// dcs-down-primary-client (seed case 6): only the primary's host loses the DCS (iptables on the DCS
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

#include "leader_loss.hpp"
#include "two_primaries.hpp"

using namespace drillhost::drills;

struct DcsDownPrimaryClientDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.dcs-down-primary-client",
        "dcs-down-primary-client",
        "0.1.0",
        "The primary's host loses the DCS: it demotes, a replica leads, it rejoins",
        dh::params_schema<write_load_params>,
        DH_IMPACT_PRIMARY_LOST,
        R"(["org.drillhost.drill.dcs-down.primary-client", "dcs-down/primary-client"])"};

    void run(dh::Host &host, const json &params) override {
        DrillStart start = start_drill(host);
        const auto &[bounds, cluster, leader, timeline] = start;
        std::vector<std::string> replicas = members_except(cluster, leader);
        double ttl_ms = 1000 * bounds.ttl_s;
        LeaderLossUnderLoad loss(host, start, params);

        host.phase("cutting " + leader + " off from the DCS");
        dh::Fault cut = host.inject(partition_injector, {{"host", leader}, {"dcs", true}});
        // The old primary's demotion and the takeover, on one clock; replicas' reads sampled alongside.
        double demoted_ms = -1;
        int reads = 0, failed_reads = 0;
        const Takeover &t = loss.await_takeover(
            bounds.failover(), {.check = "a replica that sees the DCS took over", .also = [&] {
                                    for (const auto &r : replicas) {
                                        ++reads;
                                        try {
                                            sql_status(host, r);
                                        } catch (const dh::Error &e) {
                                            if (e.status() == DH_ERR_CANCELLED) throw;
                                            ++failed_reads;
                                        }
                                    }
                                    if (demoted_ms < 0 && !writable(host, leader))
                                        demoted_ms = host.now_ms() - loss.fault_ms();
                                    return demoted_ms >= 0;
                                }});
        if (demoted_ms >= 0) host.measure("old_primary_read_only", demoted_ms, "ms");
        host.check(
            "the old primary stops accepting writes before its leader key expires",
            demoted_ms >= 0 && demoted_ms <= ttl_ms,
            demoted_ms >= 0 ? leader + " read-only after " + ms_text(demoted_ms) : leader + " still writable",
            "within ttl (" + ms_text(ttl_ms) + ")");
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
        if (converged) {
            json after = cluster_view(host);
            host.event("resolved", {{"leader", leader_of(after)}, {"old_leader", leader}});
            bool replica = sql_status(host, leader).value("in_recovery", false);
            host.check("old primary rejoined as a replica", replica,
                       leader + (replica ? " in recovery" : " writable") + ", " + leader_of(after) + " leads",
                       "in recovery");
        }
        loss.finish(/*with_rto=*/false);  // the cut-off primary may commit until it demotes
    }
};

DRILLHOST_PLUGIN("dcs-down-primary-client", "0.1.0", DcsDownPrimaryClientDrill)
