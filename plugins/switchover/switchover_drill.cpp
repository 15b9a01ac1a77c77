// switchover (seed case 2): POST /switchover {leader, candidate}, now or at scheduled_at, under a
// write load. Asserts the candidate leads, the old leader is a read-only replica, the timeline moved
// by one, every member follows within the bound, no acknowledged write was lost and there were
// never two writable primaries. Measures the switchover, the unavailability window and the loss.
#include <drillhost/sdk.hpp>

#include <ctime>

#include "drill_kit.hpp"

using namespace drillhost::drills;

namespace {

constexpr const char *writer = "org.drillhost.probe.writer";
constexpr const char *split_brain = "org.drillhost.probe.split-brain";

// The healthiest replica: running or streaming, least lag.
std::string pick_candidate(const json &cluster) {
    std::string best;
    double best_lag = 0;
    for (const auto &m : cluster.at("members")) {
        if (m.value("role", "") == "leader" || m.value("state", "") == "stopped") continue;
        double lag =
            m.contains("lag_bytes") && m["lag_bytes"].is_number() ? m["lag_bytes"].get<double>() : 1e18;
        if (best.empty() || lag < best_lag) best = m.value("name", ""), best_lag = lag;
    }
    if (best.empty()) throw dh::Skip("precondition: no replica to switch over to");
    return best;
}

std::string utc_in(double seconds) {  // ISO 8601, as Patroni's scheduled_at wants
    std::time_t at = std::time(nullptr) + static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&at, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+00:00", &utc);
    return text;
}

}  // namespace

struct SwitchoverDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.switchover",
        "switchover",
        "0.1.0",
        "Planned switchover under write load: new leader, timeline +1, nobody lost",
        R"json({
        "type": "object",
        "properties": {
            "candidate": {"type": "string", "description": "the member to hand the leadership to (default: the least lagging replica)"},
            "scheduled_in_s": {"type": "number", "minimum": 0, "default": 0,
                               "description": "0: now; else POST with scheduled_at this many seconds ahead"},
            "writer_rate_hz": {"type": "number", "minimum": 1, "default": 200},
            "settle_s": {"type": "number", "minimum": 0, "default": 2, "description": "write load before the switchover"}
        },
        "additionalProperties": false
    })json",
        DH_IMPACT_PLANNED};

    void run(dh::Host &host, const json &params) override {
        Bounds bounds = read_bounds(host);
        json cluster = preflight(host, bounds);
        std::string leader = leaders(cluster).at(0).value("name", "");
        int timeline = leaders(cluster).at(0).value("timeline", 0);
        std::string candidate = params.value("candidate", pick_candidate(cluster));
        if (candidate == leader)
            throw dh::Skip("precondition: the candidate " + candidate + " already leads");
        double scheduled_s = params.value("scheduled_in_s", 0.0);
        // A switchover is Patroni demoting the leader and the candidate taking the key on its next
        // loop; every member follows within another loop or two, plus a PostgreSQL restart.
        double bound_ms = 1000 * (scheduled_s + bounds.ttl_s + 2 * bounds.loop_wait_s);
        std::string bound_text = "<= " + ms_text(bound_ms) + " (scheduled_in + ttl + 2 x loop_wait)";

        host.probe(writer, {{"request", "start"}, {"rate_hz", params.value("writer_rate_hz", 200.0)}});
        host.probe(split_brain, {{"request", "start"}});
        host.sleep(std::chrono::milliseconds(static_cast<long>(1000 * params.value("settle_s", 2.0))));

        json body = {{"leader", leader}, {"candidate", candidate}};
        if (scheduled_s > 0) body["scheduled_at"] = utc_in(scheduled_s);
        double fault_ms = host.now_ms();
        host.event("switchover.requested", body);
        json reply = host.probe(patroni_rest, {{"request", "switchover"}, {"body", body}});
        host.event("switchover.reply", reply);
        bool accepted = reply.value("ok", false);
        host.check("switchover accepted", accepted,
                   reply.value("outcome", "") + " (HTTP " + reply.value("status", json()).dump() + ")",
                   scheduled_s > 0 ? "202 scheduled" : "200 done");

        // The candidate leads, on the next timeline.
        double led_ms = -1;
        json now;
        while (accepted && host.now_ms() - fault_ms < bound_ms) {
            now = cluster_view(host);
            auto found = leaders(now);
            if (found.size() == 1 && found[0].value("name", "") == candidate &&
                found[0].value("timeline", 0) == timeline + 1) {
                led_ms = host.now_ms() - fault_ms;
                break;
            }
            host.sleep(std::chrono::milliseconds(100));
        }
        host.check("candidate leads", led_ms >= 0,
                   led_ms >= 0 ? candidate + " after " + ms_text(led_ms) : "not within the bound",
                   candidate + " leader on timeline " + std::to_string(timeline + 1) + ", " + bound_text);
        if (led_ms >= 0) host.measure("switchover", led_ms, "ms");

        bool converged = converge(host, bounds, bound_ms, "ttl + 2 x loop_wait");
        json writes = host.probe(writer, {{"request", "stop"}, {"fault_ms", fault_ms}});
        json overlap = host.probe(split_brain, {{"request", "stop"}});
        json verify = host.probe(writer, {{"request", "verify"}});

        if (converged) {
            json old = host.probe("org.drillhost.probe.sql", {{"request", "status"}, {"member", leader}});
            host.check("old leader read-only", old.value("in_recovery", false),
                       leader + (old.value("in_recovery", false) ? " in recovery" : " writable"),
                       "in recovery (a replica)");
        }
        double gap = writes.value("longest_gap_ms", 0.0);
        host.measure("unavailability", gap, "ms");
        host.measure("acknowledged_writes", writes.value("acknowledged", 0), "count");
        host.measure("lost_writes", verify.value("lost", 0), "count");
        host.measure("split_brain", overlap.value("overlap_total_ms", 0.0), "ms");
        host.check("no acknowledged write lost", verify.value("lost", 1) == 0,
                   std::to_string(verify.value("lost", -1)) + " of " +
                       std::to_string(verify.value("acknowledged", 0)),
                   "0");
        host.check("never two writable primaries", !overlap.value("split_brain", true),
                   ms_text(overlap.value("overlap_total_ms", 0.0)) + " of overlap", "0 ms");
    }
};

DRILLHOST_PLUGIN("switchover", "0.1.0", SwitchoverDrill)
