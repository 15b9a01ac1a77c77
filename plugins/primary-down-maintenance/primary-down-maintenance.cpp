// primary-down-maintenance (seed case 4): pause the cluster (maintenance mode), stop the primary's
// PostgreSQL for longer than ttl, restart it (POST /restart, as `patronictl restart` does), resume.
// While paused Patroni must not fail over: no replica promotes. Patroni 3.0.2 does release the
// leader key while the paused primary is down ("removed leader lock because postgres is not
// running"); the drill reports that. After the resume the same leader serves on the same timeline.
// (PostgreSQL started with pg_ctl instead stays "stopped" in /cluster on 3.0.2, even after resume.)
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"

using namespace drillhost::drills;

struct MaintenanceDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.primary-down-maintenance",
        "primary-down-maintenance",
        "0.1.0",
        "Paused cluster, primary stopped longer than ttl: no failover",
        R"json({
        "type": "object",
        "properties": {
            "down_extra_s": {"type": "number", "minimum": 0, "default": 2,
                             "description": "keep the primary down this long beyond ttl + 2 x loop_wait"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_PRIMARY_LOST,
        R"(["org.drillhost.drill.primary-down.maintenance", "primary-down/maintenance"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        double down_ms = 1000 * (bounds.ttl_s + 2 * bounds.loop_wait_s + params.value("down_extra_s", 2.0));

        host.phase("pause (maintenance mode)");
        auto paused = host.inject(maintenance_injector, json::object());
        wait_until(host, host.now_ms(), 1000 * (bounds.ttl_s),
                   [&] { return cluster_view(host).value("pause", false); });

        host.phase("stopping PostgreSQL on " + leader + " for " + ms_text(down_ms));
        double fault_ms = host.now_ms();
        auto stopped = host.inject(service_injector, {{"host", leader},
                                                      {"service", "postgres"},
                                                      {"action", "stop"},
                                                      {"restart_wait_s", bounds.loop_wait_s}});
        std::string other_leader;
        double key_released_ms = -1;
        std::vector<std::string> replicas = members_except(cluster, leader);
        wait_until(host, fault_ms, down_ms, [&] {
            std::string now = leader_of(cluster_view(host));
            if (now.empty() && key_released_ms < 0) key_released_ms = host.now_ms() - fault_ms;
            if (!now.empty() && now != leader) other_leader = now;
            for (const auto &r : replicas)
                if (!sql_status(host, r).value("in_recovery", true)) other_leader = r + " (promoted)";
            return false;  // watch the whole window
        });
        host.check("no failover while paused", other_leader.empty(),
                   other_leader.empty() ? "no replica promoted in " + ms_text(down_ms)
                                        : other_leader + " led meanwhile",
                   "no promotion, primary down > ttl");
        host.measure("leader_key_released", key_released_ms >= 0 ? 1 : 0, "bool");
        host.event("paused.leader_key", {{"released", key_released_ms >= 0}, {"after_ms", key_released_ms}});

        host.phase("restarting PostgreSQL on " + leader + " (POST /restart)");
        double start_ms = host.now_ms();
        json reply = host.operate(patroni_rest, "restart", {{"member", leader}});
        host.event("restart.reply", reply);
        host.revert(stopped);  // running again: the revert only waits for connections
        double writable_ms = wait_until(host, start_ms, 1000 * bounds.ttl_s,
                                        [&] { return !sql_status(host, leader).value("in_recovery", true); });
        host.check("writable again", writable_ms >= 0,
                   writable_ms >= 0 ? "after " + ms_text(writable_ms) : "not writable",
                   "<= " + ms_text(1000 * bounds.ttl_s) + " (ttl)");
        host.phase("resume");
        host.revert(paused);
        // /cluster shows the leader's timeline only once its member key is refreshed: ask PostgreSQL.
        std::string now_leader;
        int now_timeline = 0;
        double same_ms = wait_until(host, host.now_ms(), 1000 * bounds.ttl_s, [&] {
            now_leader = leader_of(cluster_view(host));
            now_timeline = sql_status(host, leader).value("timeline", 0);
            return now_leader == leader && now_timeline == timeline;
        });
        host.check("same leader after resume", same_ms >= 0,
                   "leader " + now_leader + " on timeline " + std::to_string(now_timeline),
                   "leader " + leader + " on timeline " + std::to_string(timeline));
        converge(host, bounds, bounds.within_ttl());
    }
};

DRILLHOST_PLUGIN("primary-down-maintenance", "0.1.0", MaintenanceDrill)
