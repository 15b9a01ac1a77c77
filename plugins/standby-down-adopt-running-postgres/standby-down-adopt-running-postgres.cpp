// standby-down-adopt-running-postgres (seed case 3): with a replica's Patroni stopped, start its
// PostgreSQL by hand (pg_ctl start), then start Patroni. Patroni must adopt the running postmaster:
// the same pid and start time, no re-initialisation (the same system id). A later graceful stop of
// Patroni must stop that PostgreSQL too. Measures the time to adopt.
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"

using namespace drillhost::drills;

namespace {

// {pid, started, system_identifier, in_recovery} of the member's running postmaster.
json postmaster_of(const dh::Host &host, const std::string &member) {
    json rows =
        host.operate(sql_probe, "rows",
                     {{"member", member},
                      {"sql",
                       "SELECT pg_postmaster_start_time()::text AS started, "
                       "(SELECT system_identifier::text FROM pg_control_system()) AS system_identifier, "
                       "pg_is_in_recovery() AS in_recovery"}})
            .at("rows");
    json out = rows.at(0);
    out["pid"] = service_on(host, member, "postgres", "status").value("pid", 0);
    return out;
}

}  // namespace

struct AdoptRunningPostgresDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.standby-down-adopt-running-postgres",
        "standby-down-adopt-running-postgres",
        "0.1.0",
        "Start a replica's PostgreSQL by hand, then Patroni: it adopts the postmaster",
        R"json({
        "type": "object",
        "properties": {
            "member": {"type": "string", "description": "the replica (default: the least lagging)"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_REPLICA,
        R"(["org.drillhost.drill.standby-down.adopt-running-postgres", "standby-down/adopt-running-postgres"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::string replica = pick_replica(cluster, params);
        double bound_ms = bounds.within_ttl().ms;
        std::string bound = "<= " + bounds.within_ttl().text();

        host.phase("stopping Patroni on " + replica);
        auto stopped =
            host.inject(service_injector, {{"host", replica}, {"service", "patroni"}, {"action", "stop"}});
        host.phase("starting PostgreSQL by hand on " + replica);
        host.operate(service_injector, "start", {{"host", replica}, {"service", "postgres"}});
        json by_hand = json::object();
        wait_until(host, host.now_ms(), bound_ms,
                   [&] { return (by_hand = postmaster_of(host, replica)).size() > 0; });
        host.event("postmaster.by_hand", by_hand);
        host.check("started by hand", by_hand.value("pid", 0) > 0,
                   by_hand.value("pid", 0) > 0 ? "postmaster pid " + std::to_string(by_hand.value("pid", 0))
                                               : "not running",
                   "a postmaster answering SQL");

        host.phase("starting Patroni on " + replica);
        double start_ms = host.now_ms();
        host.revert(stopped);
        json adopted;
        double adopt_ms = wait_until(host, start_ms, bound_ms, [&] {
            if (!is_up(state_of(cluster_view(host, leader), replica))) return false;
            adopted = postmaster_of(host, replica);
            return true;
        });
        host.event("postmaster.after_patroni", adopted);
        host.check("Patroni took the member back", adopt_ms >= 0,
                   adopt_ms >= 0 ? "after " + ms_text(adopt_ms) : "not running", bound);
        if (adopt_ms < 0) return (void)converge(host, bounds, bounds.within_ttl());
        host.measure("time_to_adopt", adopt_ms, "ms");
        bool same = adopted.value("pid", -1) == by_hand.value("pid", -2) &&
                    adopted.value("started", "a") == by_hand.value("started", "b");
        host.check(
            "adopted the running postmaster", same,
            "pid " + adopted["pid"].dump() + " started " + adopted.value("started", ""),
            "pid " + by_hand["pid"].dump() + " started " + by_hand.value("started", "") + " (no restart)");
        host.check("not re-initialised",
                   adopted.value("system_identifier", "") == by_hand.value("system_identifier", "?"),
                   "system id " + adopted.value("system_identifier", ""),
                   by_hand.value("system_identifier", ""));
        host.check("still a replica", adopted.value("in_recovery", false),
                   adopted.value("in_recovery", false) ? "in recovery" : "writable", "in recovery");

        host.phase("graceful stop of Patroni on " + replica + " again");
        auto again =
            host.inject(service_injector, {{"host", replica}, {"service", "patroni"}, {"action", "stop"}});
        bool pg_down = !service_on(host, replica, "postgres", "status").value("running", true);
        host.check("stopping Patroni stops the adopted PostgreSQL", pg_down,
                   pg_down ? "postmaster gone" : "postmaster still running", "postmaster gone");
        host.revert(again);
        converge(host, bounds, bounds.within_ttl());
    }
};

DRILLHOST_PLUGIN("standby-down-adopt-running-postgres", "0.1.0", AdoptRunningPostgresDrill)
