// The wal-replay-pause injector: pg_wal_replay_pause() on a replica, so it falls behind while still
// receiving WAL (the seed's "a replica whose replay is paused must not win a failover"). Revert:
// pg_wal_replay_resume(); a member that has left recovery meanwhile has nothing to resume.
#include <drillhost/sdk.hpp>

#include "injector_hosts.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

namespace {

constexpr const char *sql_probe = "org.drillhost.probe.sql";

// Pausing and resuming replay change the member: the sql probe's `execute` (an act), never its
// observations, which run read-only.
void on_member(dh::Host &host, const std::string &member, const std::string &sql) {
    host.operate(sql_probe, "execute", {{"member", member}, {"sql", sql}});
}

}  // namespace

struct WalReplayPauseInjector : dh::Injector {
    static constexpr dh::Info info{"org.drillhost.injector.wal-replay-pause", "wal-replay-pause", "0.1.0",
                                   "Pauses WAL replay on a replica; revert resumes it",
                                   R"json({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "a replica (a member in recovery)"}
        },
        "required": ["host"],
        "additionalProperties": false
    })json"};

    json inject(dh::Host &host, const json &params) override {
        std::string member = params.at("host");
        auto status = host.operate(sql_probe, "status", {{"member", member}});
        if (!status.value("in_recovery", false))
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            member + " is not in recovery (a primary has no replay to pause)");
        on_member(host, member, "SELECT pg_wal_replay_pause()");
        host.info("paused WAL replay on " + member + " at " + status.value("replay_lsn", "?"));
        return {{"host", member}, {"replay_lsn", status["replay_lsn"]}};
    }

    void revert(dh::Host &host, const json &record, bool) override {
        std::string member = record.at("host");
        // A member promoted meanwhile has nothing to resume; one promoted between these two calls
        // makes the resume fail, and the retry finds it out of recovery.
        bool in_recovery =
            host.operate(sql_probe, "status", {{"member", member}}).value("in_recovery", false);
        if (in_recovery) on_member(host, member, "SELECT pg_wal_replay_resume()");
        host.info(in_recovery ? "resumed WAL replay on " + member
                              : member + " is out of recovery: nothing to resume");
    }
};

DRILLHOST_PLUGIN("wal-replay-pause", "0.1.0", WalReplayPauseInjector)
