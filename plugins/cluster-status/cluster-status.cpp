// cluster-status (seed case 1): GET /cluster from any member and every member's own GET /patroni;
// the two views must agree on members, roles, states and timelines, with exactly one leader.
#include <drillhost/sdk.hpp>

#include "drill_kit.hpp"

using namespace drillhost::drills;

namespace {

// /cluster says leader/replica/sync_standby, /patroni says primary/replica (3.x master is normalised).
bool same_role(const std::string &in_cluster, const std::string &own) {
    if (in_cluster == "leader") return own == "primary";
    if (in_cluster == "standby_leader") return own == "standby_leader";
    return own == "replica";
}

}  // namespace

struct ClusterStatusDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.cluster-status",
        "cluster-status",
        "0.1.0",
        "The cluster view and every member's own view agree; exactly one leader",
        R"json({"type": "object", "properties": {}, "additionalProperties": false})json",
        DH_IMPACT_READ_ONLY};

    void run(dh::Host &host, const json &) override {
        Bounds bounds = read_bounds(host);
        json cluster = cluster_view(host);
        host.event("cluster", cluster);
        auto found = leaders(cluster);
        host.check("one leader", found.size() == 1, std::to_string(found.size()) + " leader(s)", "exactly 1");

        std::vector<std::string> names;
        for (const auto &m : host.target().value("members", json::array()))
            names.push_back(m.value("name", ""));
        double max_lag = 0;
        for (const auto &m : cluster.value("members", json::array())) {
            std::string name = m.value("name", "");
            json own;
            try {
                own = host.operate(patroni_rest, "patroni", {{"member", name}}).at("data");
            } catch (const dh::Error &e) {
                host.check(name + " answers GET /patroni", false, e.what(), "an answer");
                continue;
            }
            host.event("patroni", {{"member", name}, {"view", own}});
            std::string role = m.value("role", ""), own_role = own.value("role", "");
            host.check(name + " role", same_role(role, own_role),
                       "/cluster " + role + ", /patroni " + own_role, "the same role in both views");
            std::string state = m.value("state", ""), own_state = own.value("state", "");
            bool states_agree =
                own_state == "running" ? (state == "running" || state == "streaming") : state == own_state;
            host.check(name + " state", states_agree, "/cluster " + state + ", /patroni " + own_state,
                       "the same state (streaming is a running replica)");
            host.check(name + " timeline", m.value("timeline", -1) == own.value("timeline", -2),
                       "/cluster " + m.value("timeline", json()).dump() + ", /patroni " +
                           own.value("timeline", json()).dump(),
                       "the same timeline");
            if (m.contains("lag_bytes") && m["lag_bytes"].is_number())
                max_lag = std::max(max_lag, m["lag_bytes"].get<double>());
            names.erase(std::remove(names.begin(), names.end(), name), names.end());
        }
        host.check("every member listed", names.empty(),
                   names.empty() ? "all" : "missing: " + json(names).dump(),
                   "every member of the target in /cluster");
        host.measure("members", static_cast<double>(cluster.value("members", json::array()).size()), "count");
        host.measure("max_lag", max_lag, "bytes");
        host.check("lag within maximum_lag_on_failover", max_lag <= bounds.maximum_lag_on_failover,
                   std::to_string(static_cast<long>(max_lag)) + " bytes",
                   "<= " + std::to_string(static_cast<long>(bounds.maximum_lag_on_failover)) +
                       " bytes (GET /config)");
    }
};

DRILLHOST_PLUGIN("cluster-status", "0.1.0", ClusterStatusDrill)
