// The patroni-config injector: PATCH /config of any keys (synchronous_mode, failsafe_mode, ttl,
// maximum_lag_on_failover, postgresql.parameters, ...), the seed's `patronictl edit-config`. The
// previous value of every key it sets is kept in the record; revert PATCHes them back (null
// deletes a key that was not there).
#include <drillhost/sdk.hpp>

#include "patroni_calls.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

struct PatroniConfigInjector : dh::Injector {
    static constexpr dh::Info info{
        "org.drillhost.injector.patroni-config", "patroni-config", "0.1.0",
        "Changes Patroni's dynamic configuration; revert restores the previous values",
        R"json({
        "type": "object",
        "properties": {
            "config": {"type": "object", "minProperties": 1,
                       "description": "the keys to set, as for PATCH /config, e.g. {\"synchronous_mode\": true}"}
        },
        "required": ["config"],
        "additionalProperties": false
    })json"};

    json inject(dh::Host &host, const json &params) override {
        const json &patch = params.at("config");
        json previous = previous_values(dynamic_config(host), patch);
        patch_config(host, patch);
        host.info("PATCH /config " + patch.dump() + " (was " + previous.dump() + ")");
        return {{"previous", previous}, {"config", patch}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        // Unconfirmed there are no saved values: nothing can be restored safely, so say so loudly.
        if (unconfirmed)
            throw dh::Error(DH_ERR_FAILED,
                            "the previous values of " + record.value("config", json()).dump() +
                                " were not recorded (the process died mid-inject); check "
                                "`drillhost probe patroni-rest config` and restore them by hand");
        patch_config(host, record.at("previous"));
        host.info("restored " + record.at("previous").dump());
    }
};

DRILLHOST_PLUGIN("patroni-config", "0.1.0", PatroniConfigInjector)
