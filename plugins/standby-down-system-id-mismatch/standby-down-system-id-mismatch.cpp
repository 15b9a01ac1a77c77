// standby-down-system-id-mismatch (seed case 3): start a replica's Patroni on a data directory from
// another cluster (a separate initdb, put in place by the foreign-datadir injector). Patroni must
// refuse it ("system ID mismatch") and exit, the member must never join, and the rest of the
// cluster must not notice. Both faults are reverted: the original data back, Patroni started.
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"

using namespace drillhost::drills;

struct SystemIdMismatchDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.standby-down-system-id-mismatch",
        "standby-down-system-id-mismatch",
        "0.1.0",
        "A member whose data belongs to another cluster is refused and never joins",
        R"json({
        "type": "object",
        "properties": {
            "member": {"type": "string", "description": "the replica to swap (default: the least lagging)"},
            "bin_dir": {"type": "string", "default": "/usr/lib/postgresql/15/bin", "description": "where initdb is on the member"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_REPLICA,
        R"(["org.drillhost.drill.standby-down.system-id-mismatch", "standby-down/system-id-mismatch"])"};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::string replica = pick_replica(cluster, params);
        // Patroni checks the system id in its first HA loop, after reaching the DCS.
        double bound_ms = bounds.within_ttl().ms;
        std::string bound = "<= " + bounds.within_ttl().text();

        host.phase("stopping Patroni on " + replica + " and swapping its data directory");
        auto stopped =
            host.inject(service_injector, {{"host", replica}, {"service", "patroni"}, {"action", "stop"}});
        int refusals_before = log_lines_with(host, replica, "patroni", "system ID mismatch");
        auto swapped = host.inject(
            foreign_datadir_injector,
            {{"host", replica}, {"bin_dir", params.value("bin_dir", "/usr/lib/postgresql/15/bin")}});

        host.phase("starting Patroni on the foreign data directory");
        double start_ms = host.now_ms();
        json started = host.operate(service_injector, "start", {{"host", replica}, {"service", "patroni"}});
        bool joined = false;
        std::string leader_during = leader;
        double exited_ms = wait_until(host, start_ms, bound_ms, [&] {
            // Joined = streams from the leader; /cluster may still show the member's last key.
            json view = cluster_view(host, leader);
            joined |= streaming_problem(host, view).empty() && !member_in(view, replica).is_null();
            if (leader_of(view) != leader) leader_during = leader_of(view);
            return !service_on(host, replica, "patroni", "status").value("running", true);
        });
        host.check("Patroni refused to run", exited_ms >= 0,
                   exited_ms >= 0 ? "exited after " + ms_text(exited_ms) : "still running",
                   "exits, " + bound);
        int refusals = log_lines_with(host, replica, "patroni", "system ID mismatch");
        if (refusals < 0)
            host.verdict("says system ID mismatch", dh::Verdict::skip, "no log to read on " + replica,
                         "in Patroni's log");
        else
            host.check("says system ID mismatch", refusals > refusals_before,
                       std::to_string(refusals - refusals_before) + " new line(s)",
                       "a new line in Patroni's log");
        host.check("never joined", !joined, joined ? "streamed from " + leader : "never streamed",
                   "never streams from the leader");
        json view = cluster_view(host, leader);
        host.check(
            "the rest untouched",
            leader_during == leader && leader_of(view) == leader && timeline_of(view, leader) == timeline,
            "leader " + leader_of(view) + " on timeline " + std::to_string(timeline_of(view, leader)),
            "leader " + leader + " on timeline " + std::to_string(timeline));

        host.phase("putting the data back and starting Patroni");
        host.operate(service_injector, "stop_started", {{"record", started}});  // if it did not exit
        host.revert(swapped);
        host.revert(stopped);
        converge(host, bounds, bounds.within_ttl());
    }
};

DRILLHOST_PLUGIN("standby-down-system-id-mismatch", "0.1.0", SystemIdMismatchDrill)
