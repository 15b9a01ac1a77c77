// What every drill does around its own steps: read the bounds from the cluster's own GET /config,
// look at the cluster through the patroni-rest probe, refuse to start on a cluster that is not
// healthy (a skipped verdict, not a failure), and end with a convergence gate.
#pragma once

#include <drillhost/sdk.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace drillhost::drills {

using json = nlohmann::json;
namespace dh = drillhost::sdk;

inline constexpr const char *patroni_rest = "org.drillhost.probe.patroni-rest";

// The timing a drill's bounds come from: Patroni's dynamic configuration, never constants.
struct Bounds {
    double ttl_s = 0, loop_wait_s = 0, retry_timeout_s = 0;
    double maximum_lag_on_failover = 0;  // bytes
    bool paused = false;
    json config;  // all of it, for the journal
};

inline Bounds read_bounds(const dh::Host &host) {
    json config = host.probe(patroni_rest, {{"request", "config"}}).at("data");
    Bounds b;
    b.ttl_s = config.value("ttl", 30.0);  // the probe fills Patroni's defaults in when a key is absent
    b.loop_wait_s = config.value("loop_wait", 10.0);
    b.retry_timeout_s = config.value("retry_timeout", 10.0);
    b.maximum_lag_on_failover = config.value("maximum_lag_on_failover", 1048576.0);
    b.paused = config.value("pause", false);
    b.config = config;
    host.event("bounds", config);
    return b;
}

// GET /cluster from the first member that answers: {members: [{name, role, state, timeline, lag_bytes, ...}],
// pause}.
inline json cluster_view(const dh::Host &host) {
    return host.probe(patroni_rest, {{"request", "cluster"}}).at("data");
}

inline std::vector<json> leaders(const json &cluster) {
    std::vector<json> found;
    for (const auto &m : cluster.value("members", json::array()))
        if (m.value("role", "") == "leader" || m.value("role", "") == "standby_leader") found.push_back(m);
    return found;
}

// "" when the cluster is healthy: one leader, every member of the target running or streaming on
// the leader's timeline with lag within maximum_lag_on_failover; else what is wrong.
inline std::string health_problem(const json &cluster, const json &target, const Bounds &bounds) {
    auto found = leaders(cluster);
    if (found.size() != 1) return std::to_string(found.size()) + " leaders";
    int timeline = found[0].value("timeline", 0);
    size_t expected = target.value("members", json::array()).size();
    const auto &members = cluster.value("members", json::array());
    if (expected && members.size() != expected)
        return std::to_string(members.size()) + " of " + std::to_string(expected) + " members in /cluster";
    for (const auto &m : members) {
        std::string name = m.value("name", ""), state = m.value("state", "");
        if (state != "running" && state != "streaming") return name + " is " + state;
        if (m.value("timeline", timeline) != timeline)
            return name + " is on timeline " + std::to_string(m.value("timeline", 0)) + ", the leader on " +
                   std::to_string(timeline);
        if (m.value("role", "") == "leader") continue;
        if (!m.contains("lag_bytes") || m["lag_bytes"].is_null()) return name + "'s lag is unknown";
        if (m["lag_bytes"].get<double>() > bounds.maximum_lag_on_failover)
            return name + " lags " + m["lag_bytes"].dump() + " bytes (maximum_lag_on_failover " +
                   std::to_string(static_cast<long>(bounds.maximum_lag_on_failover)) + ")";
    }
    return "";
}

// The pre-flight gate: a cluster that is not healthy (or paused, unless the drill allows it) is a
// skipped drill with the reason, never a failure of the drill.
inline json preflight(const dh::Host &host, const Bounds &bounds, bool allow_paused = false) {
    json cluster = cluster_view(host);
    std::string problem = health_problem(cluster, host.target(), bounds);
    if (problem.empty() && !allow_paused && (bounds.paused || cluster.value("pause", false)))
        problem = "the cluster is paused (maintenance mode)";
    if (!problem.empty()) throw dh::Skip("precondition: " + problem);
    host.event("preflight", cluster);
    return cluster;
}

// The convergence gate: healthy again within `bound_ms`; a cluster left broken fails the drill.
inline bool converge(const dh::Host &host, const Bounds &bounds, double bound_ms, const std::string &why) {
    double start = host.now_ms();
    std::string problem = "no answer";
    for (;;) {
        try {
            problem = health_problem(cluster_view(host), host.target(), bounds);
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            problem = e.what();
        }
        if (problem.empty() || host.now_ms() - start > bound_ms) break;
        host.sleep(std::chrono::milliseconds(250));
    }
    double took = host.now_ms() - start;
    host.measure("convergence", took, "ms");
    return host.check(
        "converged", problem.empty(),
        problem.empty() ? "healthy after " + std::to_string(static_cast<long>(took)) + " ms" : problem,
        "healthy within " + std::to_string(static_cast<long>(bound_ms)) + " ms (" + why + ")");
}

inline std::string ms_text(double ms) {
    return std::to_string(static_cast<long>(ms)) + " ms";
}

}  // namespace drillhost::drills
