// failover/manual (seed case 5): POST /failover {candidate} on a healthy cluster, under write load.
// Same checks as a switchover (planned_change.hpp): the candidate leads on the next timeline, the
// old leader follows as a read-only replica, nothing acknowledged is lost.
#include <drillhost/sdk.hpp>

#include "planned_change.hpp"

using namespace drillhost::drills;

namespace {
constexpr auto schema = R"json({
    "type": "object",
    "properties": {
        "candidate": {"type": "string", "description": "the member to fail over to (default: the least lagging replica)"},
        "writer_rate_hz": {"type": "number", "minimum": 1, "default": 200, "description": "write load per writer client"},
        "settle_s": {"type": "number", "minimum": 0, "default": 2, "description": "write load before the failover"}
    },
    "additionalProperties": false
})json";
}  // namespace

struct ManualFailoverDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.failover.manual",
        "failover/manual",
        "0.1.0",
        "Manual failover to a named candidate: it leads on timeline +1, nobody lost",
        schema,
        DH_IMPACT_PLANNED};

    void run(dh::Host &host, const json &params) override { planned_change(host, params, "failover"); }
};

DRILLHOST_PLUGIN("failover-manual", "0.1.0", ManualFailoverDrill)
