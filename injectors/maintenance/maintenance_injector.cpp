// The maintenance injector: Patroni's maintenance mode (`patronictl pause`, PATCH /config
// {"pause": true}): Patroni stops managing PostgreSQL, so nothing fails over. Revert resumes it,
// unless the cluster was already paused before the fault (then it is not ours to resume).
#include <drillhost/sdk.hpp>

#include "patroni_calls.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

struct MaintenanceInjector : dh::Injector {
    static constexpr dh::Info info{
        "org.drillhost.injector.maintenance", "maintenance", "0.1.0",
        "Puts the Patroni cluster in maintenance mode (pause); revert resumes it",
        R"json({"type": "object", "properties": {}, "additionalProperties": false})json"};

    json inject(dh::Host &host, const json &) override {
        bool was_paused = dynamic_config(host).value("pause", false);
        if (!was_paused) patch_config(host, {{"pause", true}});
        host.info(was_paused ? "the cluster was already paused" : "paused the cluster (maintenance mode)");
        return {{"was_paused", was_paused}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        // Unconfirmed, we cannot know whether the pause was ours; resuming is what the run meant.
        if (!unconfirmed && record.value("was_paused", false)) return;
        patch_config(host, {{"pause", false}});
        host.info("resumed the cluster");
    }
};

DRILLHOST_PLUGIN("maintenance", "0.1.0", MaintenanceInjector)
