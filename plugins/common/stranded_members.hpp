// Members stranded on a timeline the leader never had, and the split-brain drills' way out.
//
// How a member gets there (seen on Debian's Patroni 3.0.2 with the etcd3 driver): a frozen leader's
// key expires, a replica promotes to timeline N+1 and the other replica fetches that timeline's
// history; then the resumed old leader writes its key back without a compare (dcs/etcd3.py,
// _update_leader; fixed in 3.0.3) and stays primary on timeline N. The replica's
// recovery_target_timeline = 'latest' now points at N+1, which the leader never had: PostgreSQL asks
// for it forever ("highest timeline N of the primary is behind recovery timeline N+1"), and Patroni
// does not rewind it, because its check compares the timeline the replica last received, N, with
// the leader's (postgresql/rewind.py, _check_timeline_and_lsn). Patroni's cure is a reinit.
#pragma once

#include <cstdlib>

#include "component_ids.hpp"
#include "drill_kit.hpp"

namespace drillhost::drills {

struct StrandedMember {
    std::string name;
    int timeline = 0;  // the newest timeline history in its pg_wal
};

// The replicas whose pg_wal holds the history of a timeline newer than the leader's. A member that
// does not answer SQL is not judged here (convergence names it).
inline std::vector<StrandedMember> stranded_members(const dh::Host &host, const json &cluster) {
    std::vector<StrandedMember> found;
    if (leaders(cluster).size() != 1) return found;
    const std::string leader = leader_of(cluster);
    const int leader_timeline = timeline_of(cluster, leader);
    for (const std::string &name : members_except(cluster, leader)) {
        try {
            json rows = host.operate(sql_probe, "rows",
                                     {{"member", name},
                                      {"sql",
                                       "SELECT coalesce(max(name), '') AS history FROM pg_ls_waldir() "
                                       "WHERE name ~ '^[0-9A-F]{8}\\.history$'"}})
                            .at("rows");
            std::string file = rows.empty() ? "" : rows[0].value("history", "");
            if (file.size() < 8) continue;
            int timeline = static_cast<int>(std::strtol(file.substr(0, 8).c_str(), nullptr, 16));
            if (timeline > leader_timeline) found.push_back({name, timeline});
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
        }
    }
    return found;
}

// The convergence gate of a drill that made a split brain: when the cluster does not converge within
// `bound` and members are stranded on a dead timeline, which only that split brain can have left,
// Patroni reinitialises them (POST /reinitialize, what `patronictl reinit` does) and the gate waits
// once more within the same bound. The verdict says who was stranded and reinitialised, so a pass
// that needed it reads differently from one that did not. A stranded member Patroni would not
// reinitialise fails the gate like any other broken cluster.
inline bool converge_after_split_brain(const dh::Host &host, const Bounds &bounds, const Bound &bound,
                                       const std::string &measure_as = "convergence") {
    const double start = host.now_ms();
    Convergence c = await_convergence(host, bounds, bound.ms);
    if (c.healthy) return report_convergence(host, bounds, bound, measure_as, start, c);

    // A cluster whose REST API does not answer now is judged on what the wait saw, not an error.
    json cluster;
    std::vector<StrandedMember> stranded;
    try {
        cluster = cluster_view(host);
        stranded = stranded_members(host, cluster);
    } catch (const dh::Error &e) {
        if (e.status() == DH_ERR_CANCELLED) throw;
    }
    if (stranded.empty()) return report_convergence(host, bounds, bound, measure_as, start, c);
    const std::string leader = leader_of(cluster);
    const int leader_timeline = timeline_of(cluster, leader);
    std::string note;
    for (const auto &s : stranded) {
        std::string stranded_on = "stranded on timeline " + std::to_string(s.timeline) +
                                  ", which the leader " + leader + " (timeline " +
                                  std::to_string(leader_timeline) + ") never had";
        std::string why = s.name + " was " + stranded_on;
        host.phase("reinitialising " + s.name + ": " + stranded_on);
        host.event("stranded_member", {{"member", s.name},
                                       {"timeline", s.timeline},
                                       {"leader", leader},
                                       {"leader_timeline", leader_timeline}});
        std::string outcome = "reinitialised by drillhost (POST /reinitialize) after " +
                              ms_text(host.now_ms() - start) + ", the bound counted again from there";
        try {
            host.operate(patroni_rest, "reinitialize", {{"member", s.name}, {"body", {{"force", true}}}});
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            outcome = std::string("Patroni refused to reinitialise it: ") + e.what();
        }
        note += "; " + why + ", " + outcome;
    }
    host.measure("reinitialised_members", static_cast<double>(stranded.size()), "count");
    return report_convergence(host, bounds, bound, measure_as, start,
                              await_convergence(host, bounds, bound.ms), note);
}

}  // namespace drillhost::drills
