// primary-down-fast-restart (seed case 4): SIGKILL only the primary's postmaster; its Patroni stays.
// Patroni must restart PostgreSQL in place, with no failover: the same leader throughout (Patroni
// 3.0.2 brings it up read-only and promotes it, so the timeline may move by one). Measures the time
// until the primary is writable again and the writes lost.
#include <drillhost/sdk.hpp>

#include "write_watch.hpp"

using namespace drillhost::drills;

struct FastRestartDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.primary-down-fast-restart",
        "primary-down-fast-restart",
        "0.1.0",
        "Kill the primary's postmaster: Patroni restarts it in place, no failover",
        dh::params_schema<write_load_params>,
        DH_IMPACT_PRIMARY_LOST,
        R"(["org.drillhost.drill.primary-down.fast-restart", "primary-down/fast-restart"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        // Patroni sees the dead postmaster on its next loop and starts it while it keeps the key;
        // crash recovery of a few seconds of WAL is short.
        double bound_ms = bounds.within_ttl().ms;
        std::string bound = "<= " + bounds.within_ttl().text();

        WriteWatch watch;
        watch.start(host, params, leader);

        host.phase("SIGKILL the postmaster of " + leader);
        auto fault = host.inject(service_injector, {{"host", leader},
                                                    {"service", "postgres"},
                                                    {"action", "kill"},
                                                    {"signal", "SIGKILL"},
                                                    {"restart_wait_s", bound_ms / 1000}});
        double fault_ms = host.now_ms();
        host.phase("waiting for " + leader + " to be writable again");
        std::string other_leader;
        double writable_ms = wait_until(host, fault_ms, bound_ms, [&] {
            std::string now = leader_of(cluster_view(host));
            if (!now.empty() && now != leader) other_leader = now;
            return !sql_status(host, leader).value("in_recovery", true);
        });
        host.check("writable again", writable_ms >= 0,
                   writable_ms >= 0 ? leader + " after " + ms_text(writable_ms) : "not writable", bound);
        if (writable_ms >= 0) host.measure("time_to_writable", writable_ms, "ms");
        host.revert(fault);
        json after = cluster_view(host);
        host.check("no failover", other_leader.empty() && leader_of(after) == leader,
                   other_leader.empty() ? "leader " + leader_of(after) : other_leader + " led meanwhile",
                   "leader " + leader);
        host.measure("timeline_change", timeline_of(after, leader) - timeline, "count");
        converge(host, bounds, bounds.within_ttl());
        // Backends of a SIGKILLed postmaster may still commit for a moment: the writer's first
        // acknowledgement after the kill is no RTO here; time_to_writable (a new connection) is.
        WriteWatch::report(host, watch.stop(host, fault_ms), {.with_rto = false});
    }
};

DRILLHOST_PLUGIN("primary-down-fast-restart", "0.1.0", FastRestartDrill)
