// Pigsty's `pg_rto` plans: the Patroni timing and the HAProxy health-check intervals a cluster was
// deployed with, and the RTO range Pigsty publishes for each failure path, so a run can show what
// the deployment promised beside what it measured. HC, the time HAProxy needs to route to a member
// that turned healthy, is (rise - 1) x fastinter.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace drillhost {

struct RtoPlan {
    std::string name;  // "fast", "norm", "safe", "wide"; "custom" for one given value by value
    // Patroni, seconds.
    double ttl = 0, loop_wait = 0, retry_timeout = 0, primary_start_timeout = 0, safety_margin = 0;
    // HAProxy's checks, seconds: the interval while up, while changing state, while down.
    double inter = 0, fastinter = 0, downinter = 0;
    int rise = 0, fall = 0;
    // HAProxy's `timeout check`: Pigsty's haproxy.cfg fixes it at 3 s; a target may state another.
    double check_timeout = 3;

    double health_check_s() const { return (rise - 1) * fastinter; }
    nlohmann::json to_json() const;
};

// The four plans Pigsty ships (its pg_rto_plan defaults); nullopt for another name.
std::optional<RtoPlan> named_rto_plan(std::string_view name);

// A plan as a target or an inventory states it: a plan's name, or Pigsty's ten-element list
// [ttl, loop_wait, retry_timeout, primary_start_timeout, safety_margin, inter, fastinter, downinter,
// rise, fall] whose intervals may be HAProxy durations ("1s", "0.5s", "500ms") or seconds, or an
// object with those keys (and optionally name and check_timeout). Throws UsageError naming `where`
// and the value at fault.
RtoPlan parse_rto_plan(const nlohmann::json &value, const std::string &where);

// The failure paths Pigsty publishes an RTO range for.
enum class FailurePath {
    leader_lost,      // the primary's node or Patroni dies, or it is cut off: the key must expire
    manual_failover,  // a switchover or a manual failover: no key to wait for
};

struct ExpectedRto {
    double min_s = 0, max_s = 0;
    std::string formula;  // "ttl - loop_wait + HC .. ttl + loop_wait + 2 + inter + HC"
};

ExpectedRto expected_rto(const RtoPlan &plan, FailurePath path);

// "fast", "norm" ... for the drill's summary: the plan's range for `drill_id`, with the cluster's
// own ttl and loop_wait when known (Patroni may use others than the plan's), as JSON {path,
// min_ms, max_ms, formula, ttl, loop_wait}; null when the drill has no failure path in Pigsty's table.
nlohmann::json expected_rto_json(const RtoPlan &plan, std::string_view drill_id,
                                 const nlohmann::json &timing_used = nullptr);

// The failure path a shipped drill exercises, by its id; nullopt for a drill Pigsty's table does not
// cover (a restart in place, a replica's loss, a DCS outage) and for drills drillhost does not ship.
std::optional<FailurePath> failure_path_of(std::string_view drill_id);

}  // namespace drillhost
