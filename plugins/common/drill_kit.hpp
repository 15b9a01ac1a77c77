// What every drill does around its own steps: read the bounds from the cluster's own GET /config,
// look at the cluster through the patroni-rest probe, refuse to start on a cluster that is not
// healthy (a skipped verdict, not a failure), and end with a convergence gate.
#pragma once

#include <drillhost/sdk.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "drill_wait.hpp"

namespace drillhost::drills {

using json = nlohmann::json;
namespace dh = drillhost::sdk;

// A bound and the config keys it comes from: every check prints both beside the observed value.
struct Bound {
    double ms = 0;
    std::string keys;  // "ttl + 2 x loop_wait"

    std::string text() const { return ms_text(ms) + " (" + keys + ")"; }
    Bound twice() const { return {2 * ms, "2 x (" + keys + ")"}; }
};

// The timing a drill's bounds come from: Patroni's dynamic configuration, never constants.
struct Bounds {
    double ttl_s = 0, loop_wait_s = 0, retry_timeout_s = 0;
    double maximum_lag_on_failover = 0;  // bytes
    bool paused = false;
    bool synchronous = false;  // synchronous_mode: no acknowledged commit may be lost in a failover
    json config;               // all of it, for the journal

    // Patroni acts on what it sees within a loop, and a member's state in the DCS is at most ttl
    // old: a restart, a member leaving /cluster, a rejoin.
    Bound within_ttl() const { return {1000 * (ttl_s + 2 * loop_wait_s), "ttl + 2 x loop_wait"}; }
    // A failover: the key expires ttl after the leader's last refresh; a replica notices within a
    // loop, runs the leader race (it asks every member, retry_timeout at worst) and promotes.
    Bound failover() const {
        return {1000 * (ttl_s + 2 * loop_wait_s + retry_timeout_s), "ttl + 2 x loop_wait + retry_timeout"};
    }
    // The same when the old leader's REST API cannot answer (its Patroni frozen, its host cut off):
    // the leader race asks every member for its status with a 2 s timeout that Patroni hard-codes
    // (ha.py fetch_node_status, 3.0.2 and 4.1.4 alike), so a silent member costs those 2 s before a
    // replica may take the key. A member that is gone (killed) refuses at once and costs nothing.
    Bound failover_past_silent_leader() const {
        Bound b = failover();
        return {b.ms + patroni_member_check_timeout_ms, b.keys + " + 2 s member check"};
    }
    static constexpr double patroni_member_check_timeout_ms = 2000;
};

inline Bounds read_bounds(const dh::Host &host) {
    json config = host.operate(patroni_rest, "config").at("data");
    Bounds b;
    b.ttl_s = config.value("ttl", 30.0);  // the probe fills Patroni's defaults in when a key is absent
    b.loop_wait_s = config.value("loop_wait", 10.0);
    b.retry_timeout_s = config.value("retry_timeout", 10.0);
    b.maximum_lag_on_failover = config.value("maximum_lag_on_failover", 1048576.0);
    b.paused = config.value("pause", false);
    json sync = config.value("synchronous_mode", json(false));  // true, or "on"/"quorum" in newer versions
    b.synchronous = sync.is_boolean() ? sync.get<bool>() : sync.is_string() && sync != "off";
    b.config = config;
    host.event("bounds", config);
    return b;
}

// The version of the "roles" journal event (docs/ledger.md, "Role samples").
inline constexpr int roles_event_version = 1;

// Every GET /cluster a drill makes samples the members' roles: a "roles" event whenever they differ
// from the last ones this drill journalled, so the journal says who was primary when, without
// polling more than the drill already does.
inline void note_roles(const dh::Host &host, const json &cluster) {
    json members = json::object();
    for (const auto &m : cluster.value("members", json::array()))
        members[m.value("name", "")] = {{"role", m.value("role", "")},
                                        {"state", m.value("state", "")},
                                        {"timeline", m.value("timeline", json())}};
    static std::mutex mutex;
    static std::map<const dh_host *, json> last;  // per drill: each drill has a host table of its own
    {
        std::lock_guard lock(mutex);
        json &previous = last[host.raw()];
        if (previous == members) return;
        previous = members;
    }
    host.event("roles", {{"version", roles_event_version}, {"t_ms", host.now_ms()}, {"members", members}});
}

// GET /cluster from the first member that answers: {members: [{name, role, state, timeline, lag_bytes, ...}],
// pause}.
// `ask`: this member only (a drill that took a member away asks a survivor, not the lost one).
inline json cluster_view(const dh::Host &host, const std::string &ask = "") {
    json params = json::object();
    if (!ask.empty()) params["member"] = ask, params["timeout_ms"] = 1500;
    json cluster = host.operate(patroni_rest, "cluster", params).at("data");
    note_roles(host, cluster);
    return cluster;
}

// SQL status of one member (in_recovery, timeline, replay_paused, LSNs, pid ...), short timeouts.
inline json sql_status(const dh::Host &host, const std::string &member) {
    return host.operate(sql_probe, "status", {{"member", member}, {"connect_timeout_s", 2}});
}

// The host's service capability on one member: action start, stop, status ... ({running, pid}).
inline json service_on(const dh::Host &host, const std::string &member, const std::string &service,
                       const std::string &action) {
    return host.call("service", {{"host", member}, {"service", service}, {"action", action}});
}

// The replica asked for (`params.member`), or the least lagging one.
inline std::string pick_replica(const json &cluster, const json &params,
                                const std::string &param = "member") {
    std::string leader = leader_of(cluster);
    if (params.contains(param)) {
        std::string asked = params[param];
        if (asked == leader) throw dh::Skip("precondition: " + asked + " is the leader, not a replica");
        if (member_in(cluster, asked).is_null()) throw dh::Skip("precondition: no member " + asked);
        return asked;
    }
    std::string best;
    double best_lag = 0;
    for (const auto &m : cluster.at("members")) {
        if (m.value("name", "") == leader || !is_up(m.value("state", ""))) continue;
        double lag =
            m.contains("lag_bytes") && m["lag_bytes"].is_number() ? m["lag_bytes"].get<double>() : 1e18;
        if (best.empty() || lag < best_lag) best = m.value("name", ""), best_lag = lag;
    }
    if (best.empty()) throw dh::Skip("precondition: no replica");
    return best;
}

// Every member but `except`.
inline std::vector<std::string> members_except(const json &cluster, const std::string &except) {
    std::vector<std::string> names;
    for (const auto &m : cluster.value("members", json::array()))
        if (m.value("name", "") != except) names.push_back(m.value("name", ""));
    return names;
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

// Patroni 3.0.2 calls a replica "running" even while its walreceiver fails (a replication slot
// not yet re-created after the member rejoined): only the leader's pg_stat_replication says it
// streams. "" when every replica (but cascading ones) streams from the leader.
inline std::string streaming_problem(const dh::Host &host, const json &cluster) {
    std::string leader = leader_of(cluster);
    json status = host.operate(sql_probe, "status", {{"member", leader}, {"connect_timeout_s", 2}});
    for (const auto &m : cluster.value("members", json::array())) {
        std::string name = m.value("name", "");
        if (name == leader || m.value("tags", json::object()).contains("replicatefrom")) continue;
        bool streams = false;
        for (const auto &r : status.value("replication", json::array()))
            streams |= r.value("application_name", "") == name && r.value("state", "") == "streaming";
        if (!streams) return name + " does not stream from " + leader + " (not in its pg_stat_replication)";
    }
    return "";
}

// How many lines of a service's log on `member` contain `text` (grep -F): the embedded cluster's
// log file (members[].services[service].log), else the systemd journal of the last `minutes`.
// -1 when there is no way to read it, so the caller can skip rather than guess.
inline int log_lines_with(const dh::Host &host, const std::string &member, const std::string &service,
                          const std::string &text, int minutes = 10) {
    json where = {{"host", member}};
    std::vector<std::string> argv;
    for (const auto &m : host.target().value("members", json::array())) {
        if (m.value("name", "") != member) continue;
        std::string log = m.value("services", json::object()).value(service, json::object()).value("log", "");
        if (!log.empty()) argv = {"grep", "-cF", "--", text, log};
    }
    if (argv.empty())
        argv = {"sh",  "-c",    "journalctl -q -u \"$1\" --since \"$2 min ago\" | grep -cF -- \"$3\"",
                "log", service, std::to_string(minutes),
                text};
    json result = host.exec(where, argv);
    int code = result.value("exit_code", -1);
    if (code != 0 && code != 1) return -1;  // 1: grep found nothing
    return std::atoi(result.value("stdout", "0").c_str());
}

// The pre-flight gate: a cluster that is not healthy (or paused, unless the drill allows it) is a
// skipped drill with the reason, never a failure of the drill.
inline json preflight(const dh::Host &host, const Bounds &bounds, bool allow_paused = false) {
    json cluster = cluster_view(host);
    std::string problem = health_problem(cluster, host.target(), bounds);
    if (problem.empty() && !allow_paused && (bounds.paused || cluster.value("pause", false)))
        problem = "the cluster is paused (maintenance mode)";
    if (problem.empty()) problem = streaming_problem(host, cluster);
    if (!problem.empty()) throw dh::Skip("precondition: " + problem);
    host.event("preflight", cluster);
    return cluster;
}

// What every drill knows before it touches the cluster, read once: the bounds (the cluster's own GET
// /config), the healthy cluster the pre-flight saw, its leader and timeline.
struct DrillStart {
    Bounds bounds;
    json cluster;
    std::string leader;
    int timeline = 0;
};

// The prologue of every drill: bounds, then the pre-flight gate (a cluster that is not healthy is a
// skipped drill), then who leads.
// A drill of several rounds (with and without a setting) passes the bounds it read to each round.
inline DrillStart start_drill(const dh::Host &host, const Bounds &bounds, bool allow_paused = false) {
    DrillStart s;
    s.bounds = bounds;
    s.cluster = preflight(host, s.bounds, allow_paused);
    s.leader = leader_of(s.cluster);
    s.timeline = timeline_of(s.cluster, s.leader);
    return s;
}

inline DrillStart start_drill(const dh::Host &host, bool allow_paused = false) {
    return start_drill(host, read_bounds(host), allow_paused);
}

// Waits until the cluster is healthy and stays so, with the same leader, for 2 x loop_wait (a member
// may take the leader key back a few loops after a partition heals, as Patroni 3.0.2's etcd3 driver
// does), or until `bound_ms` (plus that stable time) is over. Judges nothing: converge() does.
struct Convergence {
    bool healthy = false;
    double healthy_at_ms = -1;  // host clock; -1 when it never became healthy
    std::string problem;        // what was wrong at the end, "" when healthy
};

inline Convergence await_convergence(const dh::Host &host, const Bounds &bounds, double bound_ms) {
    double start = host.now_ms(), healthy_since = -1, stable_ms = 2000 * bounds.loop_wait_s;
    std::string problem = "no answer", leader;
    for (;;) {
        try {
            json cluster = cluster_view(host);
            problem = health_problem(cluster, host.target(), bounds);
            if (problem.empty()) problem = streaming_problem(host, cluster);
            if (problem.empty() && healthy_since >= 0 && leader_of(cluster) != leader)
                problem = "the leader moved from " + leader + " to " + leader_of(cluster);
            if (problem.empty() && healthy_since < 0)
                healthy_since = host.now_ms(), leader = leader_of(cluster);
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            problem = e.what();
        }
        if (!problem.empty()) healthy_since = -1;
        bool stable = healthy_since >= 0 && host.now_ms() - healthy_since >= stable_ms;
        if (stable || host.now_ms() - start > bound_ms + stable_ms) break;
        host.sleep(std::chrono::milliseconds(250));
    }
    bool healthy = problem.empty() && healthy_since >= 0;
    return {healthy, healthy ? healthy_since : -1, problem};
}

// The "converged" verdict and its measurement (`measure_as`, since `start_ms`) for what
// await_convergence() saw; `note` adds what was done on the way (a reinitialised member).
inline bool report_convergence(const dh::Host &host, const Bounds &bounds, const Bound &bound,
                               const std::string &measure_as, double start_ms, const Convergence &c,
                               const std::string &note = "") {
    double took = (c.healthy ? c.healthy_at_ms : host.now_ms()) - start_ms;
    host.measure(measure_as, took, "ms");
    std::string observed =
        c.healthy ? "healthy after " + ms_text(took) + ", stable for " + ms_text(2000 * bounds.loop_wait_s)
                  : c.problem;
    return host.check("converged", c.healthy, observed + note,
                      "healthy within " + bound.text() + ", then stable for 2 x loop_wait");
}

// The convergence gate: healthy again within `bound`, and still healthy 2 x loop_wait later; a
// cluster left broken fails the drill. Measures when it became healthy. `measure_as` names the
// measurement (a drill that converges twice keeps both).
inline bool converge(const dh::Host &host, const Bounds &bounds, const Bound &bound,
                     const std::string &measure_as = "convergence") {
    double start = host.now_ms();
    return report_convergence(host, bounds, bound, measure_as, start,
                              await_convergence(host, bounds, bound.ms));
}

}  // namespace drillhost::drills
