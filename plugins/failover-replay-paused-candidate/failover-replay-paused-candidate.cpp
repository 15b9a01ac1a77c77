// failover-replay-paused-candidate (seed case 5, corner case): pause WAL replay on the candidate,
// then fail over to it under write load. The seed warns that Patroni then reports the failover done
// and the other replicas follow the candidate, but the candidate never becomes a real primary until
// pg_wal_replay_resume(). The drill reports what happens: whether the candidate got writable on its
// own, and if not, it resumes replay (its rollback) and measures how long the cluster was stuck.
//
// Patroni 3.0.2 itself resumes a paused replay on PostgreSQL 14+ on its next HA loop unless the
// cluster is paused (postgresql/__init__.py, handle_parameter_change), so the drill fails over right
// after pausing and records whether the pause still held at that moment.
#include <drillhost/sdk.hpp>

#include "write_watch.hpp"

using namespace drillhost::drills;

// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "candidate": {"type": "string", "description": "the replica to pause and fail over to (default: the least lagging)"},
    "paused_s": {"type": "number", "minimum": 0, "default": 0.3,
                 "description": "write load while replay is paused, before the failover (Patroni resumes it within loop_wait)"})json"};

struct ReplayPausedCandidateDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.failover-replay-paused-candidate",
        "failover-replay-paused-candidate",
        "0.1.0",
        "Fail over to a candidate whose WAL replay is paused: stuck, or promoted?",
        dh::params_schema<own_params, write_load_params>,
        DH_IMPACT_PLANNED,
        R"(["org.drillhost.drill.failover.replay-paused-candidate", "failover/replay-paused-candidate"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::string candidate = pick_replica(cluster, params, "candidate");
        double bound_ms = bounds.within_ttl().ms;
        std::string bound = "<= " + bounds.within_ttl().text();

        WriteWatch watch;
        watch.start(host, params, leader);
        auto paused = host.inject(wal_replay_pause_injector, {{"host", candidate}});
        host.sleep(std::chrono::milliseconds(static_cast<long>(1000 * params.value("paused_s", 0.3))));
        json before = sql_status(host, candidate);
        bool still_paused = before.value("wal_replay_paused", false);
        host.event("candidate.before_failover", before);
        host.measure("unreplayed_wal", before.value("replay_lag_bytes", 0.0), "bytes");
        host.measure("paused_at_failover", still_paused ? 1 : 0, "bool");

        host.phase("failover to " + candidate);
        double fault_ms = host.now_ms();
        json reply = host.operate(patroni_rest, "failover", {{"body", {{"candidate", candidate}}}});
        host.event("failover.reply", reply);
        host.check("failover accepted", reply.value("ok", false),
                   reply.value("outcome", "") + " (HTTP " + reply.value("status", json()).dump() + ")",
                   "200 done");

        host.phase("waiting for " + candidate + " to leave recovery");
        bool patroni_says_leader = false;
        double writable_ms = wait_until(host, fault_ms, bound_ms, [&] {
            patroni_says_leader |= leader_of(cluster_view(host, candidate)) == candidate;
            return !sql_status(host, candidate).value("in_recovery", true);
        });
        bool stuck = writable_ms < 0;
        host.event("candidate", {{"stuck", stuck}, {"patroni_says_leader", patroni_says_leader}});
        host.check("candidate became a real primary on its own", !stuck,
                   stuck ? std::string("still in recovery after ") + ms_text(bound_ms) +
                               (patroni_says_leader ? ", while /cluster names it leader" : "")
                         : "writable after " + ms_text(writable_ms),
                   "writable " + bound);

        host.phase(stuck ? "rollback: resuming replay on " + candidate
                         : "resuming replay (nothing paused any more)");
        double resume_ms = host.now_ms();
        host.revert(paused);
        if (stuck) {
            double after_resume = wait_until(host, resume_ms, bound_ms, [&] {
                return !sql_status(host, candidate).value("in_recovery", true);
            });
            host.check("writable after resuming replay", after_resume >= 0,
                       after_resume >= 0 ? "after " + ms_text(after_resume) : "still in recovery", bound);
            writable_ms = after_resume >= 0 ? host.now_ms() - fault_ms : -1;
        }
        if (writable_ms >= 0) host.measure(stuck ? "time_stuck" : "time_to_writable", writable_ms, "ms");
        json now = cluster_view(host);
        host.check(
            "candidate leads on the next timeline",
            leader_of(now) == candidate && sql_status(host, candidate).value("timeline", 0) == timeline + 1,
            "leader " + leader_of(now), candidate + " on timeline " + std::to_string(timeline + 1));
        converge(host, bounds, bounds.within_ttl());
        WriteWatch::report(host, watch.stop(host, fault_ms), {.with_rto = false});
    }
};

DRILLHOST_PLUGIN("failover-replay-paused-candidate", "0.1.0", ReplayPausedCandidateDrill)
