// frozen-leader (beyond the seed): SIGSTOP the leader's Patroni for longer than ttl, with no
// watchdog, under write load; then SIGCONT. The leader key expires and a replica promotes while the
// frozen leader's postmaster still accepts writes: two writable primaries until one side gives up.
// What Patroni documents: the resumed leader finds its key gone and demotes. On Debian's Patroni
// 3.0.2 with the etcd3 driver, the resumed leader writes the key back without a compare
// (dcs/etcd3.py, _update_leader; fixed in 3.0.3) and the new primary is demoted and rewound. The
// drill asserts the documented behaviour and measures what happened: the overlap of writable
// primaries, who won, the acknowledged writes lost.
#include <drillhost/sdk.hpp>

#include "takeover.hpp"
#include "two_primaries.hpp"
#include "write_watch.hpp"

using namespace drillhost::drills;

struct FrozenLeaderDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.frozen-leader",
        "frozen-leader",
        "0.1.0",
        "Freeze the leader's Patroni past ttl (no watchdog): two primaries? who wins?",
        R"json({
        "type": "object",
        "properties": {
            "frozen_after_promotion_s": {"type": "number", "minimum": 0, "default": 2,
                                         "description": "keep the old leader frozen this long after a replica promoted"},
            "writer_rate_hz": {"type": "number", "minimum": 1, "default": 200, "description": "write load per writer client"},
            "settle_s": {"type": "number", "minimum": 0, "default": 2, "description": "write load before the freeze"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_SPLIT_BRAIN};

    void run(dh::Host &host, const json &params) override {
        Bounds bounds = read_bounds(host);
        json cluster = preflight(host, bounds);
        std::string leader = leader_of(cluster);
        double bound_ms = bounds.failover().ms;
        std::string bound = "<= " + bounds.failover().text();

        WriteWatch watch;
        watch.start(host, params, leader);

        host.phase("freezing Patroni on " + leader + " (SIGSTOP)");
        auto frozen =
            host.inject("org.drillhost.injector.freeze", {{"host", leader}, {"service", "patroni"}});
        double fault_ms = host.now_ms();
        Takeover t = watch_takeover(host, fault_ms, leader, members_except(cluster, leader), bound_ms);
        report_takeover(host, t);
        host.check("a replica took over from the frozen leader", t.promoted_ms >= 0,
                   t.promoted_ms >= 0 ? t.new_leader + " promoted after " + ms_text(t.promoted_ms)
                                      : "nobody promoted",
                   bound);
        bool old_still_writable = writable(host, leader);
        host.event("frozen_leader.writable", {{"writable", old_still_writable}});
        host.sleep(std::chrono::milliseconds(
            static_cast<long>(1000 * params.value("frozen_after_promotion_s", 2.0))));

        host.phase("thawing Patroni on " + leader + " (SIGCONT)");
        double thaw_ms = host.now_ms();
        host.revert(frozen);
        host.measure("frozen", thaw_ms - fault_ms, "ms");
        if (t.promoted_ms >= 0) {
            Resolution r = resolve_pair(host, leader, t.new_leader, thaw_ms, bound_ms);
            host.event("resolution", {{"ms", r.ms}, {"winner", r.winner}});
            if (r.ms >= 0) host.measure("resolution_after_thaw", r.ms, "ms");
            std::string winner = r.winner.empty() ? leader_of(cluster_view(host)) : r.winner;
            host.check("the resumed leader yields to the new one", winner == t.new_leader,
                       winner == leader
                           ? leader + " took the leader key back; " + t.new_leader + " was demoted"
                           : "leader " + winner,
                       t.new_leader + " stays leader, " + leader + " demotes (its key had expired)");
        }
        converge(host, bounds, bounds.failover().twice());
        double promoted_at = t.promoted_ms >= 0 ? fault_ms + t.promoted_ms : -1;
        WriteWatch::report(
            host, watch.stop(host, fault_ms, promoted_at),
            {.with_rto = false, .zero_loss = bounds.synchronous, .promoted_at_ms = promoted_at});
    }
};

DRILLHOST_PLUGIN("frozen-leader", "0.1.0", FrozenLeaderDrill)
