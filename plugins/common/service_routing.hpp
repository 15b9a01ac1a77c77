// The cluster's services as its clients see them (Pigsty's layout: HAProxy on every node routes
// <scope>-primary to whichever member answers Patroni's /primary check). When the target describes
// them, a drill's write load also writes through the primary service, every node's HAProxy is
// sampled, and the report gives the client-visible numbers beside the direct ones: when every node
// routed the service to the new leader, the first write acknowledged through it, and the longest
// time it acknowledged nothing.
#pragma once

#include <map>
#include <optional>

#include "drill_kit.hpp"

namespace drillhost::drills {

// True when some member offers the primary service and a stats page to watch it by
// (members[].routing.service_ports.primary and routing.stats_url).
inline bool offers_services(const json &target) {
    for (const auto &m : target.value("members", json::array())) {
        if (!m.is_object()) continue;
        const json routing = m.value("routing", json::object());
        if (routing.is_object() && routing.contains("stats_url") &&
            routing.value("service_ports", json::object()).is_object() &&
            routing["service_ports"].contains("primary"))
            return true;
    }
    return false;
}

// How long HAProxy may take to route to a new leader after its promotion, from the target's plan
// (rto_plan: downinter, rise, fastinter and the check timeout): the old leader's check fails, the
// new one's must pass `rise` times, `fastinter` apart once it changed, each check taking up to the
// timeout. nullopt when the target declares no plan: then the time is measured, not judged.
inline std::optional<Bound> routing_bound(const json &target) {
    const json plan = target.value("rto_plan", json());
    if (!plan.is_object()) return std::nullopt;
    for (const char *key : {"downinter", "fastinter", "rise", "check_timeout"})
        if (!plan.value(key, json()).is_number()) return std::nullopt;
    double s = plan["downinter"].get<double>() +
               (plan["rise"].get<double>() - 1) * plan["fastinter"].get<double>() +
               plan["check_timeout"].get<double>();
    return Bound{s * 1000, "downinter + (rise - 1) x fastinter + the check timeout of the " +
                               plan.value("name", std::string("target's")) + " plan"};
}

// When every node's HAProxy routed `service` to exactly {leader}, the first time at or after
// `from_ms` (a node already doing so then counts from `from_ms`), from the haproxy probe's history
// (each node's first read is a change too); -1 when some node never did. The old leader's node
// (`skip`) is left out: cut off by a partition, its HAProxy cannot check the others and routes to
// nobody until the heal, and its clients reach nothing anyway.
inline double routed_everywhere_at(const json &history, const std::string &service, const std::string &leader,
                                   double from_ms, const std::string &skip = "") {
    const json wanted = json::array({leader});
    std::map<std::string, json> state_at_from;  // per node: what it routed to at from_ms
    std::map<std::string, double> routed;       // per node: when it first routed to {leader}
    for (const auto &c : history.value("changes", json::array())) {  // in time order
        if (c.value("service", "") != service) continue;
        std::string node = c.value("host", "");
        if (node == skip) continue;
        double t = c.value("t_ms", 0.0);
        if (t < from_ms) {
            state_at_from[node] = c.value("routes_to", json::array());
            routed.erase(node);
            if (state_at_from[node] == wanted) routed[node] = from_ms;
            continue;
        }
        state_at_from.try_emplace(node, json());
        if (!routed.count(node) && c.value("routes_to", json::array()) == wanted) routed[node] = t;
    }
    double last = -1;
    for (const auto &[node, state] : state_at_from) {
        if (!routed.count(node)) return -1;
        last = std::max(last, routed[node]);
    }
    return last;
}

// True when every host of a haproxy `routes` result routes `service` to exactly {leader}.
inline bool routes_everywhere(const json &routes, const std::string &service, const std::string &leader) {
    const json hosts = routes.value("hosts", json::array());
    if (hosts.empty()) return false;
    for (const auto &h : hosts) {
        bool routed = false;
        for (const auto &s : h.value("services", json::array()))
            routed = routed || (s.value("service", "") == service &&
                                s.value("routes_to", json::array()) == json::array({leader}));
        if (!routed) return false;
    }
    return true;
}

// The writer's numbers for the clients that wrote through a service (its stop result's routes);
// null when none did.
inline json service_route(const json &writes) {
    for (const auto &r : writes.value("routes", json::array()))
        if (r.value("route", "").rfind("service:", 0) == 0) return r;
    return nullptr;
}

}  // namespace drillhost::drills
