// standby-down-postgres-killed (seed case 3): SIGKILL the postmaster of a replica while its Patroni
// runs. Patroni must start PostgreSQL again by itself: a new postmaster, the member back to
// running/streaming as a replica on the same timeline, the leader untouched. Measures the time to
// recovery. The fault goes through the service injector, so it is undone whatever happens.
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"

using namespace drillhost::drills;

struct StandbyPostgresKilledDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.standby-down-postgres-killed",
        "standby-down-postgres-killed",
        "0.1.0",
        "Kill a replica's postmaster; Patroni restarts it and it rejoins",
        R"json({
        "type": "object",
        "properties": {
            "member": {"type": "string", "description": "the replica to hit (default: the first replica)"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_REPLICA,
        R"(["org.drillhost.drill.standby-down.postgres-killed", "standby-down/postgres-killed"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::string replica = pick_replica(cluster, params);
        // Patroni notices on its next loop and starts PostgreSQL; a replica's startup replays little.
        double bound_ms = bounds.within_ttl().ms;
        std::string bound = "<= " + bounds.within_ttl().text();

        host.phase("SIGKILL the postmaster of " + replica);
        double fault_ms = host.now_ms();
        auto fault = host.inject(service_injector, {{"host", replica},
                                                    {"service", "postgres"},
                                                    {"action", "kill"},
                                                    {"signal", "SIGKILL"},
                                                    {"restart_wait_s", bound_ms / 1000}});
        // Back: the member answers SQL in recovery and /cluster shows it running or streaming.
        host.phase("waiting for Patroni to restart PostgreSQL on " + replica);
        json status;
        double back_ms = wait_until(host, fault_ms, bound_ms, [&] {
            status = sql_status(host, replica);
            return is_up(state_of(cluster_view(host), replica));
        });
        host.check("Patroni restarted PostgreSQL", back_ms >= 0,
                   back_ms >= 0 ? replica + " back after " + ms_text(back_ms) : "not back", bound);
        if (back_ms >= 0) {
            host.measure("time_to_recovery", back_ms, "ms");
            host.check("still a replica", status.value("in_recovery", false),
                       status.value("in_recovery", false) ? "in recovery" : "writable", "in recovery");
            host.check("same timeline", status.value("timeline", 0) == timeline,
                       "timeline " + status.value("timeline", json()).dump(),
                       "timeline " + std::to_string(timeline));
        }
        host.revert(fault);
        std::string leader_after = leader_of(cluster_view(host));
        host.check("leader untouched", leader_after == leader, leader_after, leader);
        converge(host, bounds, bounds.within_ttl());
    }
};

DRILLHOST_PLUGIN("standby-down-postgres-killed", "0.1.0", StandbyPostgresKilledDrill)
