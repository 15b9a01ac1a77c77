// The maintenance injector: Patroni's maintenance mode (`patronictl pause`, PATCH /config
// {"pause": true}): Patroni stops managing PostgreSQL, so nothing fails over. Revert resumes it
// (PATCH {"pause": null}, as `patronictl resume`), unless the cluster was already paused before the
// fault (then it is not ours to resume).
#include <drillhost/sdk.hpp>

#include "patroni_calls.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

namespace {

// The pause is in the DCS at once, but each member acts on it only from its next HA loop; until
// then it still manages PostgreSQL (a replica resumes a paused WAL replay, for one). So the fault
// is in only once every member that answers says "pause" in GET /patroni. A member that does not
// answer manages nothing now and reads the pause in its first loop back. Bounded by ttl: a loop
// that takes longer has lost the leader key anyway.
void await_every_member_paused(dh::Host &host, const json &config) {
    double deadline = host.now_ms() + 1000.0 * config.value("ttl", 30);
    for (const auto &m : host.target().value("members", json::array())) {
        std::string name = m.value("name", "");
        for (;;) {
            try {
                auto reply = host.operate(patroni_rest, "patroni", {{"member", name}});
                if (reply.at("data").value("pause", false)) break;
            } catch (const dh::Error &) {
                break;  // not answering: see above
            }
            if (host.now_ms() > deadline)
                throw dh::Error(DH_ERR_FAILED, "the cluster is paused in the DCS, but member " + name +
                                                   " still does not report it in GET /patroni after ttl (" +
                                                   std::to_string(config.value("ttl", 30)) + " s)");
            host.sleep(std::chrono::milliseconds(100));
        }
    }
}

}  // namespace

struct MaintenanceInjector : dh::Injector {
    static constexpr dh::Info info{
        "org.drillhost.injector.maintenance", "maintenance", "0.1.0",
        "Puts the Patroni cluster in maintenance mode (pause); revert resumes it",
        R"json({"type": "object", "properties": {}, "additionalProperties": false})json"};

    json inject(dh::Host &host, const json &) override {
        bool was_paused = dynamic_config(host).value("pause", false);
        if (!was_paused) {
            auto config = patch_config(host, {{"pause", true}});
            await_every_member_paused(host, config);
        }
        host.info(was_paused ? "the cluster was already paused" : "paused the cluster (maintenance mode)");
        return {{"was_paused", was_paused}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        // Unconfirmed, we cannot know whether the pause was ours; resuming is what the run meant.
        if (!unconfirmed && record.value("was_paused", false)) return;
        // null deletes the key, as `patronictl resume` does: {"pause": false} would resume too,
        // but leave a "pause" key in the dynamic configuration that was not there before.
        patch_config(host, {{"pause", nullptr}});
        host.info("resumed the cluster");
    }
};

DRILLHOST_PLUGIN("maintenance", "0.1.0", MaintenanceInjector)
