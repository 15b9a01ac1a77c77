// frozen-leader (beyond the seed): SIGSTOP the leader's Patroni for longer than ttl, with no
// watchdog, under write load; then SIGCONT. The leader key expires and a replica promotes while the
// frozen leader's postmaster still accepts writes: two writable primaries until one side gives up.
// What Patroni documents: the resumed leader finds its key gone and demotes. On Debian's Patroni
// 3.0.2 with the etcd3 driver, the resumed leader writes the key back without a compare
// (dcs/etcd3.py, _update_leader; fixed in 3.0.3) and the new primary is demoted and rewound. The
// drill asserts the documented behaviour and measures what happened: the overlap of writable
// primaries, who won, the acknowledged writes lost.
#include <drillhost/sdk.hpp>

#include "leader_loss.hpp"
#include "stranded_members.hpp"
#include "two_primaries.hpp"

using namespace drillhost::drills;

// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "frozen_after_promotion_s": {"type": "number", "minimum": 0, "default": 2,
                                 "description": "keep the old leader frozen this long after a replica promoted"})json"};

struct FrozenLeaderDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.frozen-leader",
        "frozen-leader",
        "0.1.0",
        "Freeze the leader's Patroni past ttl (no watchdog): two primaries? who wins?",
        dh::params_schema<own_params, write_load_params>,
        DH_IMPACT_SPLIT_BRAIN};

    void run(dh::Host &host, const json &params) override {
        DrillStart start = start_drill(host);
        const auto &[bounds, cluster, leader, timeline] = start;
        LeaderLossUnderLoad loss(host, start, params);

        host.phase("freezing Patroni on " + leader + " (SIGSTOP)");
        auto frozen = host.inject(freeze_injector, {{"host", leader}, {"service", "patroni"}});
        const Takeover &t = loss.await_takeover(
            bounds.failover_past_silent_leader(),
            {.check = "a replica took over from the frozen leader", .next_timeline = false});
        bool old_still_writable = writable(host, leader);
        host.event("frozen_leader.writable", {{"writable", old_still_writable}});
        host.sleep(std::chrono::milliseconds(
            static_cast<long>(1000 * params.at("frozen_after_promotion_s").get<double>())));

        host.phase("thawing Patroni on " + leader + " (SIGCONT)");
        double thaw_ms = host.now_ms();
        host.revert(frozen);
        host.measure("frozen", thaw_ms - loss.fault_ms(), "ms");
        if (t.promoted_ms >= 0) {
            Resolution r = resolve_pair(host, leader, t.new_leader, thaw_ms, bounds.failover().ms);
            host.event("resolution", {{"ms", r.ms}, {"winner", r.winner}});
            if (r.ms >= 0) host.measure("resolution_after_thaw", r.ms, "ms");
            std::string winner = r.winner.empty() ? leader_of(cluster_view(host)) : r.winner;
            host.check("the resumed leader yields to the new one", winner == t.new_leader,
                       winner == leader
                           ? leader + " took the leader key back; " + t.new_leader + " was demoted"
                           : "leader " + winner,
                       t.new_leader + " stays leader, " + leader + " demotes (its key had expired)");
        }
        converge_after_split_brain(host, bounds, bounds.failover().twice());
        loss.finish(/*with_rto=*/false);  // the frozen leader's postmaster still commits meanwhile
    }
};

DRILLHOST_PLUGIN("frozen-leader", "0.1.0", FrozenLeaderDrill)
