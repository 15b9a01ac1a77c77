// switchover (seed case 2): POST /switchover {leader, candidate}, now or at scheduled_at, under a
// write load. See planned_change.hpp for what it asserts and measures.
#include <drillhost/sdk.hpp>

#include "planned_change.hpp"

using namespace drillhost::drills;

namespace {
// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "scheduled_in_s": {"type": "number", "minimum": 0, "default": 0,
                       "description": "0: now; else POST with scheduled_at this many seconds ahead"},
    "candidate": {"type": "string", "description": "the member to hand the leadership to (default: the least lagging replica)"})json"};

constexpr auto schema = dh::params_schema<own_params, write_load_params>;
}  // namespace

struct SwitchoverDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.switchover",
        "switchover",
        "0.2.0",
        "Planned switchover under write load: new leader, timeline +1, nobody lost",
        schema,
        DH_IMPACT_PLANNED};

    void run(dh::Host &host, const json &params) override { planned_change(host, params, "switchover"); }
};

DRILLHOST_PLUGIN("switchover", "0.2.0", SwitchoverDrill)
