// network-partition (beyond the seed): cut the primary's host off from every peer and from the DCS
// with iptables, under write load (clients can still reach it, as in a real partition between
// database hosts). The old primary must demote before a replica promotes (Patroni demotes a leader
// that cannot renew its key within retry_timeout, and loop_wait + 2 x retry_timeout <= ttl), so
// there is never a second writable primary; after healing it must rejoin as a replica (pg_rewind).
// Measures RTO phases, the old primary's demotion and the acknowledged writes lost (with
// asynchronous replication, the writes the old primary took after the cut are lost). Patroni's
// timing rules out two primaries, which is what it checks; but on 3.0.2 with etcd3 the healed old
// leader, reading its stale minority etcd member, may write the leader key back without a compare
// and take over again: seen here, so its impact is split-brain.
#include <drillhost/sdk.hpp>

#include "key_holders.hpp"
#include "leader_loss.hpp"
#include "stranded_members.hpp"
#include "two_primaries.hpp"

using namespace drillhost::drills;

struct NetworkPartitionDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.network-partition",
        "network-partition",
        "0.1.0",
        "Isolate the primary from peers and DCS: it demotes, a replica leads, it rejoins",
        dh::params_schema<write_load_params>,
        DH_IMPACT_SPLIT_BRAIN};

    void run(dh::Host &host, const json &params) override {
        DrillStart start = start_drill(host);
        const auto &[bounds, cluster, leader, timeline] = start;
        double demote_bound_ms = 1000 * (bounds.loop_wait_s + 2 * bounds.retry_timeout_s);
        LeaderLossUnderLoad loss(host, start, params);

        host.phase("cutting " + leader + " off from its peers and the DCS");
        auto peers = host.inject(partition_injector, {{"host", leader}});
        auto dcs = host.inject(partition_injector, {{"host", leader}, {"dcs", true}});
        // The demotion is seen by polling: it happened after the last poll that found the old primary
        // writable and by the first that did not. It was in time when that window reaches into the
        // bound (a poll a few ms late must not fail a demotion that came on time); both ends are said.
        double demoted_ms = -1, last_writable_ms = 0;
        const Takeover &t = loss.await_takeover(bounds.failover_past_silent_leader(),
                                                {.next_timeline = false, .also = [&] {
                                                     if (demoted_ms >= 0) return true;
                                                     double asked_ms = host.now_ms() - loss.fault_ms();
                                                     if (writable(host, leader))
                                                         last_writable_ms = asked_ms;
                                                     else
                                                         demoted_ms = host.now_ms() - loss.fault_ms();
                                                     return demoted_ms >= 0;
                                                 }});
        if (demoted_ms >= 0) host.measure("old_primary_demoted", demoted_ms, "ms");
        host.check("old primary demoted", demoted_ms >= 0 && last_writable_ms <= demote_bound_ms,
                   demoted_ms >= 0 ? "after " + ms_text(demoted_ms) + " (still writable at " +
                                         ms_text(last_writable_ms) + ")"
                                   : "still writable",
                   "<= " + ms_text(demote_bound_ms) + " (loop_wait + 2 x retry_timeout)");
        if (t.promoted_ms >= 0)
            host.check("demoted before the new leader promoted",
                       demoted_ms >= 0 && demoted_ms < t.promoted_ms,
                       "demoted at " + ms_text(demoted_ms) + ", promoted at " + ms_text(t.promoted_ms),
                       "demotion first");

        host.phase("healing the partition");
        host.revert(dcs);
        host.revert(peers);
        double healed_ms = host.now_ms();
        bool converged = converge_after_split_brain(host, bounds, bounds.failover().twice());
        if (converged) {
            json status = sql_status(host, leader);
            host.check("old primary rejoined as a replica", status.value("in_recovery", false),
                       status.value("in_recovery", false)
                           ? "in recovery on timeline " + status["timeline"].dump()
                           : "writable",
                       "in recovery on timeline " + std::to_string(timeline + 1));
        }
        // Clients can still reach the cut-off primary and commit there until it demotes: the first
        // acknowledgement after the cut is no RTO; the phases and the longest gap are.
        WriteOutcome writes = loss.finish(/*with_rto=*/false);
        report_key_after_heal(host, writes, leader, t, loss.fault_ms(), healed_ms);
    }

    // The leader key's holders over the drill, so a verdict that flips between runs reads as
    // evidence: whether the healed old leader took the key back from the one that had promoted.
    static void report_key_after_heal(const dh::Host &host, const WriteOutcome &writes,
                                      const std::string &leader, const Takeover &t, double fault_ms,
                                      double healed_ms) {
        if (writes.dcs.is_null() || writes.dcs.empty()) {
            host.info("the leader key's holders are unknown: " + writes.dcs_error);
            return;
        }
        std::string holders = key_holders_text(writes.dcs, fault_ms);
        host.event("partition.key_holders", {{"holders", writes.dcs.value("holders", json::array())},
                                             {"fault_ms", fault_ms},
                                             {"healed_ms", healed_ms}});
        if (t.new_leader.empty()) return;
        double retook_ms = took_key_at(writes.dcs, leader, healed_ms);
        if (retook_ms >= 0) host.measure("old_leader_retook_key", retook_ms - healed_ms, "ms");
        host.check("the healed old leader did not take the leader key back", retook_ms < 0,
                   retook_ms < 0 ? "kept by others after the heal (" + holders + ")"
                                 : leader + " retook the key " + ms_text(retook_ms - healed_ms) +
                                       " after the heal, from " + t.new_leader + " (" + holders + ")",
                   t.new_leader + " or a later leader keeps it");
    }
};

DRILLHOST_PLUGIN("network-partition", "0.1.0", NetworkPartitionDrill)
