// The phases of an unplanned leader change, timed from the fault: the old leader's key gone, a new
// leader elected, that leader promoted (out of recovery). The first acknowledged write after the
// fault (the writer's RTO) is the last phase.
#pragma once

#include <functional>

#include "drill_kit.hpp"

namespace drillhost::drills {

// A node dies: its Patroni SIGKILLed, then its PostgreSQL SIGQUIT (immediate shutdown: every
// backend gone at once, nothing flushed on the way out), both through the service injector. Where
// the node also routes the cluster's services (members[].routing: Pigsty's HAProxy and pgbouncer),
// those die with it: a client whose connection string lists the node first must find nothing there,
// not a live HAProxy that sends it to the new leader (the node's network stays up, so it is refused
// at once rather than timing out as on a dead machine).
struct NodeKill {
    dh::Fault patroni, postgres;
    std::vector<dh::Fault> routing;  // haproxy, pgbouncer
};

inline bool routes_services(const json &target, const std::string &member) {
    for (const auto &m : target.value("members", json::array()))
        if (m.is_object() && m.value("name", "") == member)
            return m.value("routing", json()).is_object() && m["routing"].contains("service_ports");
    return false;
}

inline NodeKill kill_node(const dh::Host &host, const std::string &member) {
    const bool routing = routes_services(host.target(), member);
    host.phase("killing " + member + ": Patroni (SIGKILL), then PostgreSQL (SIGQUIT)" +
               (routing ? ", HAProxy and pgbouncer (SIGKILL)" : ""));
    NodeKill k;
    k.patroni =
        host.inject(service_injector,
                    {{"host", member}, {"service", "patroni"}, {"action", "kill"}, {"signal", "SIGKILL"}});
    k.postgres =
        host.inject(service_injector,
                    {{"host", member}, {"service", "postgres"}, {"action", "kill"}, {"signal", "SIGQUIT"}});
    if (routing)
        for (const char *service : {"haproxy", "pgbouncer"})
            k.routing.push_back(host.inject(
                service_injector,
                {{"host", member}, {"service", service}, {"action", "kill"}, {"signal", "SIGKILL"}}));
    return k;
}

// Patroni first: it starts PostgreSQL as a replica of the new leader (rewinding it); the postgres
// revert then only waits for connections. The routing comes back last, as a rebooted node's units
// would once Patroni answers its checks.
inline void revive_node(const dh::Host &host, const NodeKill &k) {
    host.revert(k.patroni);
    host.revert(k.postgres);
    for (const auto &fault : k.routing) host.revert(fault);
}

struct Takeover {
    std::string new_leader;  // "" when nobody else took over within the bound
    int timeline = 0;        // the new leader's, from its current WAL file once promoted
    double key_lost_ms = -1, elected_ms = -1, promoted_ms = -1;  // since the fault
};

// Watches /cluster through the survivors (never the lost member, which may hang the probe) until a
// member other than `old_leader` leads and is out of recovery, or `bound_ms` passes. `also` is
// polled on the same clock until it returns true, for a drill that watches something else at once
// (network-partition: the old primary's demotion); the watch ends when both are done.
inline Takeover watch_takeover(
    const dh::Host &host, double fault_ms, const std::string &old_leader,
    const std::vector<std::string> &survivors, double bound_ms,
    const std::function<bool()> &also = [] { return true; }) {
    Takeover t;
    size_t turn = 0;
    bool also_done = false;
    host.phase("waiting for a new leader");
    wait_until(
        host, fault_ms, bound_ms,
        [&] {
            also_done = also_done || also();
            if (t.promoted_ms >= 0) return also_done;
            json view = cluster_view(host, survivors.at(turn++ % survivors.size()));
            std::string leader = leader_of(view);
            double now = host.now_ms() - fault_ms;
            if (t.key_lost_ms < 0 && leader != old_leader) t.key_lost_ms = now;
            if (leader.empty() || leader == old_leader) return false;
            if (t.elected_ms < 0) {
                t.elected_ms = now, t.new_leader = leader;
                host.event("takeover.elected", {{"leader", leader}, {"ms", now}});
            }
            json status = sql_status(host, leader);  // /cluster's timeline lags a loop behind
            if (status.value("in_recovery", true)) return false;
            t.promoted_ms = host.now_ms() - fault_ms;
            t.timeline = status.value("timeline", 0);
            host.event("takeover.promoted", {{"leader", leader}, {"ms", t.promoted_ms}});
            return also_done;
        },
        std::chrono::milliseconds(100));
    return t;
}

// The takeover's verdict: a promotion the watch saw, no later than the bound. The watch polls
// until the bound has passed, so its last poll can see a promotion that came after it: a miss.
inline bool took_over_within(const Takeover &t, const Bound &bound) {
    return t.promoted_ms >= 0 && t.promoted_ms <= bound.ms;
}

inline void report_takeover(const dh::Host &host, const Takeover &t) {
    if (t.key_lost_ms >= 0) host.measure("leader_key_lost", t.key_lost_ms, "ms");
    if (t.elected_ms >= 0) host.measure("new_leader_elected", t.elected_ms, "ms");
    if (t.promoted_ms >= 0) host.measure("promoted", t.promoted_ms, "ms");
}

}  // namespace drillhost::drills
