// standby-cluster (seed case 8): a second Patroni cluster (its own scope; the scratch-cluster
// injector runs it on the embedded cluster's hosts, beside their own instances) with standby_cluster
// pointing at the main cluster's primary. It must show a Standby Leader that replicates: a row
// written on the primary appears there and on its replica. Removing standby_cluster with PATCH
// /config must promote it to a real, writable leader on the next timeline, leaving the main cluster
// as it was. Measures the replication delay and the promotion time.
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"
#include "scratch_members.hpp"

using namespace drillhost::drills;

namespace {

json standby_view(const dh::Host &host, const std::vector<ScratchMember> &members) {
    std::string errors;
    for (const auto &m : members) {  // the first that answers
        try {
            return host.operate(patroni_rest, "cluster", {{"url", m.rest_url}, {"timeout_ms", 1500}})
                .at("data");
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            errors += std::string(" ") + e.what();
        }
    }
    throw dh::Error(DH_ERR_UNAVAILABLE, "no member of the standby cluster answered:" + errors);
}

std::string role_holder(const json &cluster, const std::string &role) {
    for (const auto &m : cluster.value("members", json::array()))
        if (m.value("role", "") == role) return m.value("name", "");
    return "";
}

bool has_token(const dh::Host &host, const std::string &conninfo, long token) {
    json rows = host.operate(sql_probe, "rows",
                             {{"conninfo", conninfo},
                              {"sql", "SELECT count(*) AS n FROM drillhost_standby WHERE token = " +
                                          std::to_string(token)}})
                    .at("rows");
    return rows.at(0).value("n", 0L) > 0;
}

}  // namespace

struct StandbyClusterDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.standby-cluster",
        "standby-cluster",
        "0.1.0",
        "A standby cluster follows the primary; removing standby_cluster promotes it",
        R"json({
        "type": "object",
        "properties": {
            "hosts": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                      "description": "where the standby cluster runs (default: the first two hosts)"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_READ_ONLY};

    void run(dh::Host &host, const json &params) override {
        auto [bounds, cluster, leader, timeline] = start_drill(host);
        std::vector<std::string> hosts = scratch_hosts(host, params);
        const std::string scope = "drillhost-standby";
        std::vector<ScratchMember> members = scratch_members(host, scope, hosts);
        double bound_ms = bounds.failover().ms;
        std::string bound = bounds.failover().text();
        auto on_main = [&](const std::string &sql) {
            return host.operate(sql_probe, "execute", {{"target_session_attrs", "read-write"}, {"sql", sql}});
        };
        // An act with an undo: the host drops the table when the drill ends, however it ends.
        json made = host.operate(sql_probe, "create_table",
                                 {{"target_session_attrs", "read-write"},
                                  {"table", "drillhost_standby"},
                                  {"columns", "token bigint, at timestamptz DEFAULT now()"}});

        host.phase("a standby cluster of " + leader + " on " + std::to_string(hosts.size()) + " host(s)");
        dh::Fault standby = host.inject(
            scratch_injector, {{"build", "standby"}, {"scope", scope}, {"hosts", hosts}, {"source", leader}});
        double started = host.now_ms();
        json view;
        std::string standby_leader;
        // A standby leader copies the primary with pg_basebackup first: the bound doubles.
        double up_ms = wait_until(host, started, 2 * bound_ms, [&] {
            view = standby_view(host, members);
            standby_leader = role_holder(view, "standby_leader");
            for (const auto &h : hosts)
                if (!is_up(state_of(view, h))) return false;
            return !standby_leader.empty();
        });
        host.event("standby.cluster", view);
        host.check("a Standby Leader runs, every member up", up_ms >= 0,
                   up_ms >= 0 ? standby_leader + " standby_leader after " + ms_text(up_ms)
                              : "standby_leader '" + standby_leader + "'",
                   "within 2 x " + bound);
        if (up_ms < 0) return;  // the host removes it
        host.measure("standby_cluster_up", up_ms, "ms");

        // Replication: a row written on the primary reaches the standby leader, then its replica.
        long token = static_cast<long>(host.now_ms() * 1000);
        double wrote = host.now_ms();
        on_main("INSERT INTO drillhost_standby (token) VALUES (" + std::to_string(token) + ")");
        std::vector<std::string> missing;
        double delay_ms = -1;
        for (const auto &m : members) {
            double ms = wait_until(host, wrote, bound_ms, [&] { return has_token(host, m.conninfo, token); });
            if (ms < 0) missing.push_back(m.name);
            if (m.name == standby_leader) delay_ms = ms;
        }
        if (delay_ms >= 0) host.measure("replication_delay", delay_ms, "ms");
        host.check("a row written on the primary appears in the standby cluster", missing.empty(),
                   missing.empty() ? "on every member; on the standby leader after " + ms_text(delay_ms)
                                   : "missing on " + missing.front(),
                   "within " + bound);

        host.phase("promoting the standby cluster: PATCH /config {standby_cluster: null}");
        ScratchMember promoted;
        for (const auto &m : members)
            if (m.name == standby_leader) promoted = m;
        std::string promoted_conn = promoted.conninfo;
        int timeline_before = sql_status(host, leader).value("timeline", 0);
        double asked = host.now_ms();
        json reply = host.operate(patroni_rest, "patch_config",
                                  {{"url", promoted.rest_url}, {"body", {{"standby_cluster", nullptr}}}});
        host.event("promote.reply", reply);
        json status;
        double promote_ms = wait_until(host, asked, bound_ms, [&] {
            status = host.operate(sql_probe, "status", {{"conninfo", promoted_conn}});
            return !status.value("in_recovery", true) &&
                   leader_of(standby_view(host, members)) == standby_leader;
        });
        host.check("promoted to a writable leader", promote_ms >= 0,
                   promote_ms >= 0 ? standby_leader + " leader and writable after " + ms_text(promote_ms)
                                   : standby_leader +
                                         (status.value("in_recovery", true) ? " in recovery" : " not leader"),
                   "within " + bound);
        if (promote_ms >= 0) {
            host.measure("promotion", promote_ms, "ms");
            host.operate(
                sql_probe, "execute",
                {{"conninfo", promoted_conn}, {"sql", "INSERT INTO drillhost_standby (token) VALUES (-1)"}});
            int timeline = status.value("timeline", 0);
            host.check("next timeline", timeline == timeline_before + 1,
                       "timeline " + std::to_string(timeline),
                       "timeline " + std::to_string(timeline_before + 1) + " (the primary's + 1)");
        }
        std::string main_leader = leader_of(cluster_view(host));
        host.check("the main cluster is untouched",
                   main_leader == leader && !sql_status(host, leader).value("in_recovery", true),
                   main_leader + " leads", leader + " still leads, writable");

        host.phase("removing the standby cluster");
        host.revert(standby);
        host.operate(sql_probe, "drop_table", {{"record", made}});
        converge(host, bounds, bounds.failover());
    }
};

DRILLHOST_PLUGIN("standby-cluster", "0.1.0", StandbyClusterDrill)
