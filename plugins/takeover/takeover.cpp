// takeover (seed case 10): Patroni takes over a cluster it did not build. A primary and a streaming
// replica are made by hand (initdb, pg_basebackup; the scratch-cluster injector, on the embedded
// cluster's hosts beside its own instances), rows are written, then Patroni starts on both with a
// matching config. It must adopt them as they are: the primary leads, the replica streams from it,
// same system identifier, the rows kept, nothing re-initialised (a marker file in each data
// directory survives; a re-init would have wiped it).
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"
#include "scratch_members.hpp"

using namespace drillhost::drills;

namespace {

constexpr const char *marker = "drillhost-takeover-marker";

json rows_on(const dh::Host &host, const std::string &conninfo, const std::string &sql) {
    return host.operate(sql_probe, "rows", {{"conninfo", conninfo}, {"sql", sql}}).at("rows");
}

std::string system_id(const dh::Host &host, const std::string &conninfo) {
    return rows_on(host, conninfo, "SELECT system_identifier::text AS id FROM pg_control_system()")
        .at(0)
        .value("id", "");
}

long row_count(const dh::Host &host, const std::string &conninfo) {
    return rows_on(host, conninfo, "SELECT count(*) AS n FROM drillhost_takeover").at(0).value("n", -1L);
}

}  // namespace

struct TakeoverDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.takeover",
        "takeover",
        "0.1.0",
        "Patroni takes over a hand-made primary and replica without re-initialising them",
        R"json({
        "type": "object",
        "properties": {
            "hosts": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2,
                      "description": "where the hand-made primary and replica run (default: the first two hosts)"},
            "rows": {"type": "integer", "minimum": 1, "default": 1000, "description": "rows written before Patroni starts"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_READ_ONLY};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::vector<std::string> hosts = scratch_hosts(host, params, 2);
        const std::string scope = "drillhost-takeover";
        json where = {{"build", "plain"}, {"scope", scope}, {"hosts", hosts}};
        host.phase("a hand-made primary on " + hosts[0] + " and replica on " + hosts[1]);
        dh::Fault plain = host.inject(scratch_injector, where);
        auto members = scratch_members(host, scope, {hosts[0], hosts[1]});
        const ScratchMember &primary = members[0], &replica = members[1];
        std::string on_primary = primary.conninfo, on_replica = replica.conninfo;
        double bound_ms = bounds.failover().ms;

        long rows = params.value("rows", 1000L);
        host.operate(sql_probe, "execute",
                     {{"conninfo", on_primary},
                      {"sql",
                       "CREATE TABLE drillhost_takeover (id int PRIMARY KEY, note text); "
                       "INSERT INTO drillhost_takeover SELECT g, 'before Patroni' FROM generate_series(1, " +
                           std::to_string(rows) + ") g"}});
        std::string sysid = system_id(host, on_primary);
        wait_until(host, host.now_ms(), bound_ms, [&] { return row_count(host, on_replica) == rows; });
        for (const auto &[name, m] : {std::pair{hosts[0], primary}, std::pair{hosts[1], replica}})
            host.exec_checked({{"host", name}}, {"touch", m.data_dir + "/" + marker});
        host.event("before_patroni", {{"system_identifier", sysid}, {"rows", rows}});

        host.phase("starting Patroni on both");
        double started = host.now_ms();
        dh::Fault patroni =
            host.inject(scratch_injector, {{"build", "patroni"}, {"scope", scope}, {"hosts", hosts}});
        json view;
        double adopted_ms = wait_until(host, started, 2 * bound_ms, [&] {
            view = host.operate(patroni_rest, "cluster", {{"url", primary.rest_url}}).at("data");
            std::string state = state_of(view, hosts[1]);
            return leader_of(view) == hosts[0] && is_up(state_of(view, hosts[0])) && is_up(state);
        });
        host.event("adopted.cluster", view);
        host.check(
            "Patroni adopts the running primary as leader and the replica as its replica", adopted_ms >= 0,
            adopted_ms >= 0
                ? hosts[0] + " leads, " + hosts[1] + " " + state_of(view, hosts[1]) + " after " +
                      ms_text(adopted_ms)
                : "leader '" + leader_of(view) + "', " + hosts[1] + " '" + state_of(view, hosts[1]) + "'",
            "within " + ms_text(2 * bound_ms) + " (2 x (ttl + 2 x loop_wait + retry_timeout))");
        if (adopted_ms < 0) return;  // the host reverts both faults
        host.measure("adopt", adopted_ms, "ms");

        std::string sysid_primary = system_id(host, on_primary), sysid_replica = system_id(host, on_replica);
        host.check("same system identifier", sysid_primary == sysid && sysid_replica == sysid,
                   hosts[0] + " " + sysid_primary + ", " + hosts[1] + " " + sysid_replica, sysid);
        bool kept = true;
        for (const auto &[name, m] : {std::pair{hosts[0], primary}, std::pair{hosts[1], replica}})
            kept = kept && host.exec({{"host", name}}, {"test", "-f", m.data_dir + "/" + marker})
                                   .value("exit_code", 1) == 0;
        host.check("nothing re-initialised", kept,
                   kept ? "both data directories kept their marker" : "a marker is gone",
                   "the data directories Patroni found");
        long on_leader = row_count(host, on_primary);
        host.check("rows kept", on_leader == rows, std::to_string(on_leader) + " rows", std::to_string(rows));

        // Replication under Patroni: a row written now reaches the replica.
        host.operate(sql_probe, "execute",
                     {{"conninfo", on_primary},
                      {"sql", "INSERT INTO drillhost_takeover VALUES (0, 'after Patroni')"}});
        double streamed_ms = wait_until(host, host.now_ms(), bound_ms,
                                        [&] { return row_count(host, on_replica) == rows + 1; });
        host.check("replication runs under Patroni", streamed_ms >= 0,
                   streamed_ms >= 0 ? "a new row on " + hosts[1] + " after " + ms_text(streamed_ms)
                                    : "the new row never arrived",
                   "within " + ms_text(bound_ms));

        host.phase("removing the second cluster");
        host.revert(patroni);
        host.revert(plain);
        converge(host, bounds, bounds.failover());
    }
};

DRILLHOST_PLUGIN("takeover", "0.1.0", TakeoverDrill)
