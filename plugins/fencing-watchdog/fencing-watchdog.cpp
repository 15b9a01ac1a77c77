// fencing-watchdog (seed case 9, first part): the leader's Patroni freezes (SIGSTOP) under write load.
//   - watchdog on: Patroni stops feeding its watchdog, which fires after ttl - safety_margin and resets
//     the host, so the old primary is gone before its leader key expires and a replica promotes:
//     never two writable primaries. On the embedded cluster the watchdog injector arms Patroni's
//     testing driver and drillhost's monitor plays the kernel; on real hosts it is softdog.
//   - watchdog off: the same freeze, and the split-brain window it leaves, if any, is measured (the
//     frozen-leader drill asserts on it; here it is the comparison).
#include <drillhost/sdk.hpp>

#include "leader_loss.hpp"
#include "stranded_members.hpp"
#include "two_primaries.hpp"

using namespace drillhost::drills;

namespace {

void with_watchdog(const dh::Host &host, const json &params, const Bounds &bounds) {
    DrillStart start = start_drill(host, bounds);
    const std::string &leader = start.leader;
    host.phase("arming the watchdog on " + leader);
    dh::Fault watchdog = host.inject(watchdog_injector, {{"host", leader}});

    LeaderLossUnderLoad loss(host, start, params);
    host.phase("freezing Patroni on " + leader + " (SIGSTOP), watchdog on");
    dh::Fault frozen = host.inject(freeze_injector, {{"host", leader}, {"service", "patroni"}});
    double fenced_ms = -1;
    const Takeover &t =
        loss.await_takeover(bounds.failover_past_silent_leader(),
                            {.check = "a replica took over", .next_timeline = false, .also = [&] {
                                 if (fenced_ms < 0 && !writable(host, leader))
                                     fenced_ms = host.now_ms() - loss.fault_ms();
                                 return fenced_ms >= 0;
                             }});
    if (fenced_ms >= 0) host.measure("fenced", fenced_ms, "ms");
    bool reset = !service_on(host, leader, "patroni", "status").value("running", true);
    // The key expires ttl after the frozen leader's last refresh, at most a loop before the freeze.
    double key_ms = t.key_lost_ms >= 0 ? t.key_lost_ms : 1000 * bounds.ttl_s;
    host.check("the watchdog fenced the frozen leader before its key expired",
               fenced_ms >= 0 && fenced_ms < key_ms,
               fenced_ms >= 0 ? leader + " stopped accepting writes after " + ms_text(fenced_ms) +
                                    (reset ? ", Patroni and PostgreSQL reset" : ", Patroni still there")
                              : leader + " still writable",
               "before the leader key was gone (" + ms_text(key_ms) + ")");

    host.phase("the host comes back: thaw, Patroni started again");
    host.revert(frozen);
    host.revert(watchdog);  // reports the firings, puts the config back, starts the reset Patroni
    converge(host, bounds, bounds.failover().twice());
    loss.finish(/*with_rto=*/false);
}

void without_watchdog(const dh::Host &host, const json &params, const Bounds &bounds) {
    DrillStart start = start_drill(host, bounds);
    const std::string &leader = start.leader;
    bool own_watchdog = false;  // only the embedded cluster has a "watchdog" service
    try {
        own_watchdog = service_on(host, leader, "watchdog", "status").value("running", false);
    } catch (const dh::Error &e) {
        if (e.status() == DH_ERR_CANCELLED) throw;
    }
    if (own_watchdog) {
        host.verdict("without the watchdog: split-brain window measured", dh::Verdict::skip,
                     "the cluster runs a watchdog of its own (sandbox up --watchdog)", "no watchdog");
        return;
    }
    LeaderLossUnderLoad loss(host, start, params);
    host.phase("freezing Patroni on " + leader + " (SIGSTOP), watchdog off");
    dh::Fault frozen = host.inject(freeze_injector, {{"host", leader}, {"service", "patroni"}});
    // Measured, not judged: the first round's verdicts and measurements are the drill's.
    const Takeover &t = loss.await_takeover(bounds.failover_past_silent_leader(),
                                            {.check = "", .next_timeline = false, .report = false});
    host.sleep(std::chrono::milliseconds(
        static_cast<long>(1000 * params.at("frozen_after_promotion_s").get<double>())));
    host.phase("thawing Patroni on " + leader + " (SIGCONT)");
    double thaw_ms = host.now_ms();
    host.revert(frozen);
    std::string after_thaw;
    if (t.promoted_ms >= 0) {
        Resolution r = resolve_pair(host, leader, t.new_leader, thaw_ms, bounds.failover().ms);
        host.event("resolution", {{"ms", r.ms}, {"winner", r.winner}});
        if (r.winner == leader)
            after_thaw = "; after the thaw " + leader + " took the leader key back and " + t.new_leader +
                         " was demoted";
        else if (r.winner == t.new_leader)
            after_thaw = "; after the thaw " + leader + " yielded to " + t.new_leader;
    }
    // The split brain this round made can strand a replica on a dead timeline; the gate repairs that.
    converge_after_split_brain(host, bounds, bounds.failover().twice(), "convergence_without_watchdog");
    WriteOutcome writes = loss.stop();
    host.measure("split_brain_without_watchdog", writes.overlap_ms(), "ms");
    host.measure("lost_writes_without_watchdog", static_cast<double>(writes.lost()), "count");
    host.verdict("without the watchdog: split-brain window measured", dh::Verdict::pass,
                 ms_text(writes.overlap_ms()) + " with two writable primaries, " +
                     std::to_string(writes.lost()) + " acknowledged writes lost" +
                     (t.promoted_ms >= 0 ? ", " + t.new_leader + " promoted" : ", nobody promoted") +
                     after_thaw,
                 "measured, not bounded: this is what the watchdog prevents");
}

}  // namespace

// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "watchdog": {"enum": ["both", "on", "off"], "default": "both", "description": "run with the watchdog, without it, or both"},
    "frozen_after_promotion_s": {"type": "number", "minimum": 0, "default": 2, "description": "watchdog off: keep the old leader frozen this long after a replica promoted"})json"};

struct FencingWatchdogDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.fencing-watchdog",
        "fencing-watchdog",
        "0.1.0",
        "Freeze the leader's Patroni: the watchdog fences it before its key expires; without it, "
        "the split-brain window",
        dh::params_schema<own_params, write_load_params>,
        DH_IMPACT_SPLIT_BRAIN,
        R"(["org.drillhost.drill.fencing.watchdog", "fencing/watchdog"])"};

    void run(dh::Host &host, const json &params) override {
        const Bounds bounds = start_drill(host).bounds;  // each round checks the cluster again
        std::string which = params.value("watchdog", "both");
        if (which != "off") with_watchdog(host, params, bounds);
        if (which != "on") without_watchdog(host, params, bounds);
    }
};

DRILLHOST_PLUGIN("fencing-watchdog", "0.1.0", FencingWatchdogDrill)
