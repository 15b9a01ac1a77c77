// failover-with-load (seed case 11): pgbench read-write on the primary and select-only on a replica
// while the primary's node dies (Patroni SIGKILL, PostgreSQL SIGQUIT). A checkpoint first, so the
// numbers before the fault are not a checkpoint's. The read-write clients die with the primary; the
// load must resume on the new primary. Measures TPS and latency before and after, errors, the time
// to resume (the writer's first acknowledged commit after the fault), the RTO phases and the loss.
// Where the cluster has services (Pigsty's HAProxy), the load goes through them as the seed's
// clients do: read-write through the primary service, select-only through the replica service, and
// the RTO phases gain when the service routed to the new primary and the first write through it.
#include <drillhost/sdk.hpp>

#include "leader_loss.hpp"
#include "service_routing.hpp"

using namespace drillhost::drills;

namespace {

// Mean TPS and latency of a pgbench series' intervals that ended within [from_ms, to_ms).
std::pair<double, double> means(const json &series, double from_ms, double to_ms) {
    double tps = 0, latency = 0;
    int n = 0;
    for (const auto &p : series) {
        double t = p.value("t_ms", 0.0);
        if (t < from_ms || t >= to_ms) continue;
        tps += p.value("tps", 0.0), latency += p.value("latency_ms", 0.0), ++n;
    }
    return n ? std::pair(tps / n, latency / n) : std::pair(0.0, 0.0);
}

// `params` with `where`'s keys added (where a load connects).
json merged(json params, const json &where) {
    params.update(where);
    return params;
}

}  // namespace

// Its parameters (the writer runs at a fixed rate beside pgbench).
constexpr dh::Properties own_params{R"json(
    "clients": {"type": "integer", "minimum": 1, "default": 2, "description": "pgbench clients per load"},
    "scale": {"type": "integer", "minimum": 1, "default": 1, "description": "pgbench -i -s"},
    "before_s": {"type": "integer", "minimum": 1, "default": 3, "description": "load before the fault"},
    "after_s": {"type": "integer", "minimum": 1, "default": 3, "description": "load on the new primary"},
    "reader": {"type": "string", "description": "the replica for the select-only load (default: the least lagging)"})json"};

struct FailoverWithLoadDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.failover-with-load",
        "failover-with-load",
        "0.1.0",
        "pgbench read-write and read-only while the primary dies: the load resumes",
        dh::params_schema<own_params>,
        DH_IMPACT_PRIMARY_LOST};

    void run(dh::Host &host, const json &params) override {
        DrillStart start = start_drill(host);
        const auto &[bounds, cluster, leader, timeline] = start;
        std::string reader = pick_replica(cluster, params, "reader");
        double bound_ms = bounds.failover().ms;
        int clients = params.value("clients", 2), before_s = params.value("before_s", 3),
            after_s = params.value("after_s", 3);
        int cover_s = before_s + after_s + static_cast<int>(2 * bound_ms / 1000) + 10;  // pgbench -T

        host.phase("pgbench -i, checkpoint");
        json tables = host.operate(pgbench_probe, "init", {{"scale", params.value("scale", 1)}});
        host.operate(sql_probe, "execute",
                     {{"member", leader}, {"sql", "CHECKPOINT"}, {"statement_timeout_ms", 60000}});
        // pgbench -i writes megabytes of WAL: a replica still replaying them when the primary dies
        // lags past maximum_lag_on_failover, and Patroni rightly promotes nobody. The fault waits
        // until every replica is back within it (the cluster's own bound), or the drill is skipped.
        std::string settling = "no answer";
        double settled_ms = wait_until(host, host.now_ms(), bounds.failover().ms, [&] {
            settling = health_problem(cluster_view(host), host.target(), bounds);
            return settling.empty();
        });
        if (settled_ms < 0)
            throw dh::Skip("precondition: the replicas did not catch up with pgbench -i within " +
                           bounds.failover().text() + ": " + settling);

        bool services = offers_services(host.target());
        // Where each load connects: the services, or straight to the leader and the reader.
        json rw_where = services ? json{{"service", "primary"}} : json::object();
        json ro_where = services ? json{{"service", "replica"}, {"target_session_attrs", "any"}}
                                 : json{{"member", reader}, {"target_session_attrs", "any"}};
        host.phase(services ? "load: read-write through the primary service, select-only through the replica "
                              "service, writer"
                            : "load: read-write on " + leader + ", select-only on " + reader + ", writer");
        // The writer beside pgbench, at a fixed rate and with no settling: pgbench's own load ran.
        LeaderLossUnderLoad loss(host, start, {{"writer_rate_hz", 100}, {"settle_s", 0}});
        host.operate(pgbench_probe, "start",
                     merged({{"name", "rw"}, {"clients", clients}, {"duration_s", cover_s}}, rw_where));
        host.operate(
            pgbench_probe, "start",
            merged(
                {{"name", "ro"}, {"builtin", "select-only"}, {"clients", clients}, {"duration_s", cover_s}},
                ro_where));
        double load_ms = host.now_ms();
        host.sleep(std::chrono::seconds(before_s));

        NodeKill killed = kill_node(host, leader);
        const Takeover &t = loss.await_takeover(bounds.failover());
        double fault_ms = loss.fault_ms();
        json rw = host.operate(pgbench_probe, "stop", {{"name", "rw"}});
        host.event("pgbench.rw", rw);

        json after = json::object();
        if (t.promoted_ms >= 0 && services) {
            // A client of the service reaches the new primary once HAProxy routes to it: the load
            // resumes then, as the seed's clients would retry (service_routed says when).
            std::string service = host.target().value("scope", "") + "-primary";
            host.phase("waiting for " + service + " to route to " + t.new_leader);
            wait_until(host, host.now_ms(), bounds.failover().ms, [&] {
                return routes_everywhere(host.operate(haproxy_probe, "routes"), service, t.new_leader);
            });
        }
        if (t.promoted_ms >= 0) {
            host.phase("read-write load on the new primary " + t.new_leader);
            after = host.operate(
                pgbench_probe, "run",
                merged({{"name", "rw-after"}, {"clients", clients}, {"duration_s", after_s}}, rw_where));
            host.event("pgbench.rw_after", after);
            bool resumed = after.value("tps_mean", json()).is_number() &&
                           after["tps_mean"].get<double>() > 0 && after.value("aborted_clients", 1) == 0;
            host.check("load resumes on the new primary", resumed,
                       "tps " + after.value("tps_mean", json()).dump() + ", aborted clients " +
                           after.value("aborted_clients", json()).dump(),
                       "tps > 0, no aborted client");
        }
        json ro = host.operate(pgbench_probe, "stop", {{"name", "ro"}});
        host.event("pgbench.ro", ro);

        auto [tps_before, latency_before] = means(rw.value("series", json::array()), load_ms, fault_ms);
        host.measure("tps_before", tps_before, "tps");
        host.measure("latency_before", latency_before, "ms");
        json tps_after = after.value("tps_mean", json());
        host.measure("tps_after", tps_after.is_number() ? tps_after.get<double>() : 0.0, "tps");
        if (after.contains("summary") && after["summary"].is_object())
            host.measure("latency_after", after["summary"].value("latency_avg_ms", 0.0), "ms");
        host.measure("rw_aborted_clients", rw.value("aborted_clients", 0), "count");
        auto [ro_before, ro_latency] = means(ro.value("series", json::array()), load_ms, fault_ms);
        auto [ro_during, ro_latency_during] =
            means(ro.value("series", json::array()), fault_ms, host.now_ms());
        host.measure("ro_tps_before", ro_before, "tps");
        host.measure("ro_tps_after_fault", ro_during, "tps");
        host.measure("ro_aborted_clients", ro.value("aborted_clients", 0), "count");
        host.measure("ro_zero_tps_intervals", ro.value("zero_tps_intervals", 0), "count");

        host.phase("bringing " + leader + " back");
        revive_node(host, killed);
        converge(host, bounds, bounds.failover().twice());
        WriteOutcome writes = loss.finish(/*with_rto=*/true);
        if (writes.rto_ms() >= 0) host.measure("time_to_resume", writes.rto_ms(), "ms");
        host.operate(pgbench_probe, "drop", {{"record", tables}});
    }
};

DRILLHOST_PLUGIN("failover-with-load", "0.1.0", FailoverWithLoadDrill)
