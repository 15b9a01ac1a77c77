// dcs-down-replica-client (seed case 6): one replica's host loses the DCS (iptables on the DCS client
// port), for longer than ttl. What Patroni documents, and this drill asserts: replication goes on
// (the replica keeps streaming from the primary it knew, within maximum_lag_on_failover) and the
// replica stays readable; its member key expires, so it leaves /cluster and cannot take part in an
// election; the leader never changes. Once healed it is back in /cluster, streaming.
#include <drillhost/sdk.hpp>

#include <algorithm>

#include "two_primaries.hpp"
#include "write_watch.hpp"

using namespace drillhost::drills;

// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "member": {"type": "string", "description": "the replica to cut off (default: the least lagging)"},
    "outage_s": {"type": "number", "minimum": 1, "description": "how long (default: ttl + 2 x loop_wait, past its member key's expiry)"})json"};

struct DcsDownReplicaClientDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.dcs-down-replica-client",
        "dcs-down-replica-client",
        "0.1.0",
        "A replica's host loses the DCS: it keeps replicating and serving reads, and leaves the election",
        dh::params_schema<own_params, write_load_params>,
        DH_IMPACT_REPLICA,
        R"(["org.drillhost.drill.dcs-down.replica-client", "dcs-down/replica-client"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::string replica = pick_replica(cluster, params);
        double outage_ms = 1000 * params.value("outage_s", bounds.ttl_s + 2 * bounds.loop_wait_s);

        WriteWatch watch;
        watch.start(host, params, leader);
        host.phase("cutting " + replica + " off from the DCS");
        dh::Fault cut = host.inject(partition_injector, {{"host", replica}, {"dcs", true}});
        double fault_ms = host.now_ms();

        int samples = 0, unreadable = 0, leader_moved = 0;
        double max_lag = 0, gone_ms = -1, first_replay = -1, last_replay = -1;
        while (host.now_ms() - fault_ms < outage_ms) {
            ++samples;
            try {
                json status = sql_status(host, replica);
                double head = lsn_bytes(sql_status(host, leader).value("current_lsn", json()));
                double replay = lsn_bytes(status.value("replay_lsn", json()));
                if (first_replay < 0) first_replay = replay;
                last_replay = replay;
                if (head >= 0 && replay >= 0) max_lag = std::max(max_lag, head - replay);
            } catch (const dh::Error &e) {
                if (e.status() == DH_ERR_CANCELLED) throw;
                ++unreadable;
            }
            json view = cluster_view(host, leader);
            if (leader_of(view) != leader) ++leader_moved;
            if (gone_ms < 0 && member_in(view, replica).is_null()) gone_ms = host.now_ms() - fault_ms;
            host.sleep(std::chrono::milliseconds(250));
        }
        host.measure("max_replay_lag", max_lag, "bytes");
        host.check(
            "replication goes on", last_replay > first_replay && max_lag <= bounds.maximum_lag_on_failover,
            "replayed " + std::to_string(static_cast<long>(last_replay - first_replay)) +
                " bytes during the cut, at most " + std::to_string(static_cast<long>(max_lag)) + " behind",
            "replay advances, lag <= maximum_lag_on_failover (" +
                std::to_string(static_cast<long>(bounds.maximum_lag_on_failover)) + " bytes)");
        host.check(
            "the replica stays readable", unreadable == 0,
            std::to_string(samples - unreadable) + " of " + std::to_string(samples) + " reads answered",
            "all");
        host.check("the leader never changes", leader_moved == 0,
                   leader_moved == 0 ? leader + " throughout"
                                     : std::to_string(leader_moved) + " samples with another leader",
                   leader + " for the whole cut (" + ms_text(outage_ms) + ")");
        if (gone_ms >= 0) host.measure("left_cluster_view", gone_ms, "ms");
        double ttl_bound = 1000 * (bounds.ttl_s + bounds.loop_wait_s);
        host.check("its member key expires: out of the election", gone_ms >= 0 && gone_ms <= ttl_bound,
                   gone_ms >= 0 ? "gone from /cluster after " + ms_text(gone_ms) : "still listed",
                   "within ttl + loop_wait (" + ms_text(ttl_bound) + ")");

        host.phase("healing: " + replica + " sees the DCS again");
        host.revert(cut);
        converge(host, bounds, bounds.failover());
        WriteOutcome writes = watch.stop(host, fault_ms);
        WriteWatch::report(host, writes, {.with_rto = false, .zero_loss = true});
    }
};

DRILLHOST_PLUGIN("dcs-down-replica-client", "0.1.0", DcsDownReplicaClientDrill)
