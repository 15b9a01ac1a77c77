// failover-manual (seed case 5): POST /failover {candidate} on a healthy cluster, under write load.
// Same checks as a switchover (planned_change.hpp): the candidate leads on the next timeline, the
// old leader follows as a read-only replica, nothing acknowledged is lost.
#include <drillhost/sdk.hpp>

#include "planned_change.hpp"

using namespace drillhost::drills;

namespace {
// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "candidate": {"type": "string", "description": "the member to fail over to (default: the least lagging replica)"})json"};

constexpr auto schema = dh::params_schema<own_params, write_load_params>;
}  // namespace

struct ManualFailoverDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.failover-manual",
        "failover-manual",
        "0.1.0",
        "Manual failover to a named candidate: it leads on timeline +1, nobody lost",
        schema,
        DH_IMPACT_PLANNED,
        R"(["org.drillhost.drill.failover.manual", "failover/manual"])"};

    void run(dh::Host &host, const json &params) override { planned_change(host, params, "failover"); }
};

DRILLHOST_PLUGIN("failover-manual", "0.1.0", ManualFailoverDrill)
