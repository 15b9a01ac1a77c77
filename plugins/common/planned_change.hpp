// A leader change an operator asks for: POST /switchover {leader, candidate[, scheduled_at]} or
// POST /failover {candidate}, under write load. The candidate must lead on the next timeline, every
// member follow within the bound, the old leader be a read-only replica, no acknowledged write be
// lost and no two primaries be writable at once. Measures the change and the unavailability.
#pragma once

#include <ctime>

#include "write_watch.hpp"

namespace drillhost::drills {

inline std::string utc_in(double seconds) {  // ISO 8601, as Patroni's scheduled_at wants
    std::time_t at = std::time(nullptr) + static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&at, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+00:00", &utc);
    return text;
}

// `request`: "switchover" or "failover".
inline void planned_change(const dh::Host &host, const json &params, const std::string &request) {
    auto [bounds, cluster, leader, timeline] = start_drill(host);
    std::string candidate = pick_replica(cluster, params, "candidate");
    double scheduled_s = params.value("scheduled_in_s", 0.0);
    // Patroni demotes the leader and the candidate takes the key on its next loop; every member
    // follows within another loop or two, plus a PostgreSQL restart.
    double bound_ms = 1000 * (scheduled_s + bounds.ttl_s + 2 * bounds.loop_wait_s);
    std::string bound_text = "<= " + ms_text(bound_ms) + " (" + (scheduled_s > 0 ? "scheduled_in + " : "") +
                             "ttl + 2 x loop_wait)";

    WriteWatch watch;
    watch.start(host, params, leader);

    json body = {{"candidate", candidate}};
    if (request == "switchover") body["leader"] = leader;
    if (scheduled_s > 0) body["scheduled_at"] = utc_in(scheduled_s);
    host.phase(request + " " + leader + " -> " + candidate);
    double fault_ms = host.now_ms();
    json reply = host.operate(patroni_rest, request, {{"body", body}});
    host.event(request + ".reply", reply);
    bool accepted = reply.value("ok", false);
    host.check(request + " accepted", accepted,
               reply.value("outcome", "") + " (HTTP " + reply.value("status", json()).dump() + ")",
               scheduled_s > 0 ? "202 scheduled" : "200 done");

    host.phase("waiting for " + candidate + " to lead");
    double led_ms = -1;
    if (accepted)
        led_ms = wait_until(
            host, fault_ms, bound_ms,
            [&] {
                json now = cluster_view(host);
                return leader_of(now) == candidate && timeline_of(now, candidate) == timeline + 1;
            },
            std::chrono::milliseconds(100));
    host.check("candidate leads", led_ms >= 0,
               led_ms >= 0 ? candidate + " after " + ms_text(led_ms) : "not within the bound",
               candidate + " leader on timeline " + std::to_string(timeline + 1) + ", " + bound_text);
    if (led_ms >= 0) host.measure(request, led_ms, "ms");

    host.phase("convergence");
    bool converged = converge(host, bounds, bounds.within_ttl());
    // The handover, so that with services the report says when they followed the candidate.
    double led_at_ms = led_ms >= 0 ? fault_ms + led_ms : -1;
    WriteOutcome writes = watch.stop(
        host, fault_ms, {leader, led_ms >= 0 ? candidate : std::string(), timeline + 1, led_at_ms});
    if (converged) {
        bool replica = sql_status(host, leader).value("in_recovery", false);
        host.check("old leader read-only", replica, leader + (replica ? " in recovery" : " writable"),
                   "in recovery (a replica)");
    }
    WriteWatch::report(host, writes, {.with_rto = false, .promoted_at_ms = led_at_ms});
}

}  // namespace drillhost::drills
