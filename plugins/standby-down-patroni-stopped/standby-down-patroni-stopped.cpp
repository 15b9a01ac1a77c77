// standby-down-patroni-stopped (seed case 3): stop a replica's Patroni gracefully, which stops its
// PostgreSQL too. The member must show as stopped, then leave /cluster once its key expires (about
// ttl); started again, Patroni starts PostgreSQL and the member rejoins as a replica. Measures the
// time to leave and the time to rejoin; the leader must not notice.
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"

using namespace drillhost::drills;

struct StandbyPatroniStoppedDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.standby-down-patroni-stopped",
        "standby-down-patroni-stopped",
        "0.1.0",
        "Stop a replica's Patroni: it leaves /cluster after ttl, and rejoins",
        R"json({
        "type": "object",
        "properties": {
            "member": {"type": "string", "description": "the replica to stop (default: the least lagging)"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_REPLICA,
        R"(["org.drillhost.drill.standby-down.patroni-stopped", "standby-down/patroni-stopped"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::string replica = pick_replica(cluster, params);
        // The member key lives on Patroni's lease, which its last act (the "stopped" state) refreshes:
        // it expires about ttl after Patroni exits.
        double leave_bound_ms = bounds.within_ttl().ms;
        std::string leave_bound = "<= " + ms_text(leave_bound_ms) + " (ttl + 2 x loop_wait)";

        host.phase("stopping Patroni on " + replica);
        auto fault =
            host.inject(service_injector, {{"host", replica}, {"service", "patroni"}, {"action", "stop"}});
        double fault_ms = host.now_ms();  // Patroni has exited
        bool pg_down =
            !host.call("service", {{"host", replica}, {"service", "postgres"}, {"action", "status"}})
                 .value("running", true);
        host.check("graceful stop stopped PostgreSQL", pg_down,
                   pg_down ? "postmaster gone" : "postmaster running", "postmaster gone");

        host.phase("waiting for " + replica + " to leave /cluster");
        bool seen_stopped = false;
        std::string leader_during = leader;
        double left_ms = wait_until(
            host, fault_ms, leave_bound_ms,
            [&] {
                json view = cluster_view(host, leader);
                seen_stopped |= state_of(view, replica) == "stopped";
                if (leader_of(view) != leader) leader_during = leader_of(view);
                return member_in(view, replica).is_null();
            },
            std::chrono::milliseconds(100));
        host.check("shown stopped", seen_stopped, seen_stopped ? "state stopped" : "never shown stopped",
                   "state stopped before the key expires");
        host.check("left /cluster", left_ms >= 0, left_ms >= 0 ? "after " + ms_text(left_ms) : "still listed",
                   leave_bound);
        if (left_ms >= 0) host.measure("time_to_leave", left_ms, "ms");

        host.phase("starting Patroni on " + replica);
        double start_ms = host.now_ms();
        host.revert(fault);
        double rejoin_bound_ms = bounds.within_ttl().ms;
        json status;
        double back_ms = wait_until(host, start_ms, rejoin_bound_ms, [&] {
            if (!is_up(state_of(cluster_view(host, leader), replica))) return false;
            status = sql_status(host, replica);
            return true;
        });
        host.check("rejoined", back_ms >= 0, back_ms >= 0 ? "after " + ms_text(back_ms) : "not back",
                   "<= " + ms_text(rejoin_bound_ms) + " (ttl + 2 x loop_wait)");
        if (back_ms >= 0) {
            host.measure("time_to_rejoin", back_ms, "ms");
            host.check("rejoined as a replica", status.value("in_recovery", false),
                       status.value("in_recovery", false) ? "in recovery" : "writable", "in recovery");
            host.check("same timeline", status.value("timeline", 0) == timeline,
                       "timeline " + status.value("timeline", json()).dump(),
                       "timeline " + std::to_string(timeline));
        }
        host.check("leader untouched", leader_during == leader && leader_of(cluster_view(host)) == leader,
                   leader_during, leader);
        converge(host, bounds, bounds.within_ttl());
    }
};

DRILLHOST_PLUGIN("standby-down-patroni-stopped", "0.1.0", StandbyPatroniStoppedDrill)
