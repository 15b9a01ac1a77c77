// dcs-down-all (seed case 6): every DCS member stops, under write load, once with failsafe_mode off
// and once on (the drill sets it with the patroni-config injector and restores it).
//   - off: the primary cannot refresh its leader key, so it must stop accepting writes before the key
//     would expire (Patroni demotes itself after retry_timeout), and the cluster stays read-only until
//     the DCS is back; then a leader is writable again.
//   - on (Patroni 3.0+): the primary keeps its role while every member answers its POST /failsafe,
//     so it stays writable through the outage, even past ttl.
// Either way no acknowledged write is lost (nobody new is promoted while the DCS is down) and there
// is never a second writable primary.
#include <drillhost/sdk.hpp>

#include <optional>

#include "two_primaries.hpp"
#include "write_watch.hpp"

using namespace drillhost::drills;

namespace {

std::vector<std::string> writable_members(const dh::Host &host, const std::vector<std::string> &members) {
    std::vector<std::string> found;
    for (const auto &m : members)
        if (writable(host, m)) found.push_back(m);
    return found;
}

std::vector<std::string> all_members(const json &cluster) {
    return members_except(cluster, "");
}

}  // namespace

// Its own parameters; the write load's come from write_load_params (write_watch.hpp).
constexpr dh::Properties own_params{R"json(
    "failsafe": {"enum": ["both", "off", "on"], "default": "both", "description": "which failsafe_mode settings to run with"},
    "outage_s": {"type": "number", "minimum": 1, "description": "how long the DCS stays down (default: ttl + 2 x loop_wait, past the leader key's expiry)"})json"};

struct DcsDownAllDrill : dh::Drill {
    static constexpr dh::Info info{
        "org.drillhost.drill.dcs-down-all",
        "dcs-down-all",
        "0.1.0",
        "Every DCS member stops: read-only without failsafe_mode, still writable with it",
        dh::params_schema<own_params, write_load_params>,
        DH_IMPACT_PRIMARY_LOST,
        R"(["org.drillhost.drill.dcs-down.all", "dcs-down/all"])"};

    void run(dh::Host &host, const json &params) override {
        const Bounds bounds = start_drill(host).bounds;  // each round checks the cluster again
        std::string which = params.value("failsafe", "both");
        for (bool failsafe : {false, true})
            if (which == "both" || (which == "on") == failsafe) outage(host, params, bounds, failsafe);
    }

  private:
    static void outage(dh::Host &host, const json &params, const Bounds &bounds, bool failsafe) {
        std::string mode = failsafe ? "on" : "off";
        std::string tag = "failsafe " + mode + ": ";
        host.phase("failsafe_mode " + mode);
        std::optional<dh::Fault> setting;
        if (bounds.config.value("failsafe_mode", false) != failsafe)
            setting = host.inject(config_injector, {{"config", {{"failsafe_mode", failsafe}}}});
        auto [round_bounds, cluster, leader, timeline] = start_drill(host, bounds);
        std::vector<std::string> members = all_members(cluster);
        if (failsafe) {
            // The leader keeps its role only towards the members it published in /failsafe, which
            // it writes on its next loop: the outage must not start before that.
            double listed_ms = wait_until(host, host.now_ms(), 1000 * bounds.ttl_s, [&] {
                json listed = host.operate(patroni_rest, "failsafe", {{"member", leader}}).at("data");
                for (const auto &m : members)
                    if (!listed.contains(m)) return false;
                return true;
            });
            if (listed_ms < 0) {
                host.check(tag + "the leader publishes every member in /failsafe", false, "not within ttl",
                           "within ttl (" + ms_text(1000 * bounds.ttl_s) + ")");
                if (setting) host.revert(*setting);
                return;
            }
        }
        double outage_ms = 1000 * params.value("outage_s", bounds.ttl_s + 2 * bounds.loop_wait_s);

        WriteWatch watch;
        watch.start(host, params, leader);
        host.phase("stopping every DCS member (failsafe_mode " + mode + ")");
        dh::Fault dcs = host.inject(dcs_outage_injector, {{"mode", "stop"}});
        double fault_ms = host.now_ms();

        // The key was refreshed at most a loop before the outage and expires ttl after that: a
        // primary still writable past ttl could overlap a new leader once the DCS is back.
        double ttl_ms = 1000 * bounds.ttl_s;
        double read_only_ms = -1;
        if (!failsafe) {
            read_only_ms = wait_until(host, fault_ms, ttl_ms, [&] { return !writable(host, leader); });
            host.check(tag + "the primary stops accepting writes before its leader key expires",
                       read_only_ms >= 0,
                       read_only_ms >= 0 ? leader + " read-only after " + ms_text(read_only_ms)
                                         : leader + " still writable",
                       "within ttl (" + ms_text(ttl_ms) + ")");
            if (read_only_ms >= 0) host.measure("failsafe_off_time_to_read_only", read_only_ms, "ms");
        }
        // Sample the rest of the outage: off, nobody may be writable; on, the primary must be.
        int samples = 0, unexpected = 0;
        std::string seen;
        while (host.now_ms() - fault_ms < outage_ms) {
            auto now_writable = writable_members(host, members);
            bool ok = failsafe ? now_writable == std::vector<std::string>{leader}
                               : (read_only_ms < 0 || now_writable.empty());
            ++samples;
            if (!ok && unexpected++ == 0) {
                seen = ms_text(host.now_ms() - fault_ms) + ": writable [";
                for (size_t i = 0; i < now_writable.size(); ++i) seen += (i ? ", " : "") + now_writable[i];
                seen += "]";
            }
            host.sleep(std::chrono::milliseconds(250));
        }
        if (failsafe) {
            json member = host.operate(patroni_rest, "patroni", {{"member", leader}}).at("data");
            host.event("failsafe.leader_view", member);
            host.check(tag + "the primary stays the only writable member through the outage", unexpected == 0,
                       unexpected == 0 ? leader + " writable in all " + std::to_string(samples) + " samples"
                                       : std::to_string(unexpected) + " of " + std::to_string(samples) +
                                             " samples otherwise, first at " + seen,
                       "for the whole outage (" + ms_text(outage_ms) + ", past ttl)");
        } else if (read_only_ms >= 0) {
            host.check(tag + "read-only until the DCS returns", unexpected == 0,
                       unexpected == 0
                           ? "nobody writable in " + std::to_string(samples) + " samples"
                           : std::to_string(unexpected) + " samples with a writable member, first at " + seen,
                       "no writable member for the rest of the outage (" + ms_text(outage_ms) + ")");
        }

        host.phase("DCS back");
        host.revert(dcs);
        double back_ms = host.now_ms();
        double bound_ms = bounds.failover().ms;
        std::string now_leader;
        double writable_ms = wait_until(host, back_ms, bound_ms, [&] {
            now_leader = leader_of(cluster_view(host));
            return !now_leader.empty() && writable(host, now_leader);
        });
        host.check(tag + "a leader is writable once the DCS is back", writable_ms >= 0,
                   writable_ms >= 0 ? now_leader + " after " + ms_text(writable_ms) : "no writable leader",
                   "within " + bounds.failover().text());
        if (writable_ms >= 0) {
            host.measure("failsafe_" + mode + "_time_to_writable", writable_ms, "ms");
            int now_timeline = sql_status(host, now_leader).value("timeline", 0);
            host.event("dcs_back.leader", {{"leader", now_leader},
                                           {"was", leader},
                                           {"timeline", now_timeline},
                                           {"was_timeline", timeline}});
            // Not asserted: a leader that demoted offline is restarted read-only and promoted again
            // when it still holds the key (Patroni 3.0.2, Ha.recover), so even the old leader
            // usually comes back on the next timeline.
            host.measure("failsafe_" + mode + "_timeline_change", now_timeline - timeline, "count");
        }
        converge(host, bounds, bounds.failover(), "failsafe_" + mode + "_convergence");
        WriteOutcome writes = watch.stop(host, fault_ms);
        host.measure("failsafe_" + mode + "_longest_gap", writes.writes.value("longest_gap_ms", 0.0), "ms");
        host.measure("failsafe_" + mode + "_lost_writes", static_cast<double>(writes.lost()), "count");
        host.check(
            tag + "no acknowledged write lost", writes.lost() == 0,
            std::to_string(writes.lost()) + " of " + std::to_string(writes.verify.value("acknowledged", 0)),
            "0 (nobody is promoted while the DCS is down)");
        host.check(tag + "never two writable primaries", !writes.split_brain(),
                   ms_text(writes.overlap_ms()) + " of overlap", "0 ms");
        if (setting) host.revert(*setting);
    }
};

DRILLHOST_PLUGIN("dcs-down-all", "0.1.0", DcsDownAllDrill)
