// Bounded waiting and small views of /cluster that every drill needs.
#pragma once

#include <drillhost/sdk.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "component_ids.hpp"

namespace drillhost::drills {

using json = nlohmann::json;
namespace dh = drillhost::sdk;

// Polls `ready()` every `period` until it returns true or `bound_ms` has passed since `since_ms`.
// A probe error is "not yet" (the cluster is in the middle of a fault); cancellation propagates.
// Returns the ms from `since_ms` to the first true, or -1.
template <class Ready>
double wait_until(const dh::Host &host, double since_ms, double bound_ms, Ready ready,
                  std::chrono::milliseconds period = std::chrono::milliseconds(200)) {
    for (;;) {
        try {
            if (ready()) return host.now_ms() - since_ms;
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
            host.debug(std::string("not yet: ") + e.what());
        }
        if (host.now_ms() - since_ms > bound_ms) return -1;
        host.sleep(period);
    }
}

// A PostgreSQL LSN ("16/B374D848") as a byte position; -1 for null or malformed.
inline double lsn_bytes(const json &lsn) {
    if (!lsn.is_string()) return -1;
    unsigned long hi = 0, lo = 0;
    if (std::sscanf(lsn.get<std::string>().c_str(), "%lX/%lX", &hi, &lo) != 2) return -1;
    return static_cast<double>(hi) * 4294967296.0 + static_cast<double>(lo);
}

// The member's entry in /cluster, or null when it is not listed.
inline json member_in(const json &cluster, const std::string &name) {
    for (const auto &m : cluster.value("members", json::array()))
        if (m.value("name", "") == name) return m;
    return nullptr;
}

inline std::string state_of(const json &cluster, const std::string &name) {
    json m = member_in(cluster, name);
    return m.is_null() ? "" : m.value("state", "");
}

inline bool is_up(const std::string &state) {
    return state == "running" || state == "streaming";
}

// Every member holding a leader key (a leader, or a standby cluster's standby_leader).
inline std::vector<json> leaders(const json &cluster) {
    std::vector<json> found;
    for (const auto &m : cluster.value("members", json::array()))
        if (m.value("role", "") == "leader" || m.value("role", "") == "standby_leader") found.push_back(m);
    return found;
}

// The one member holding the leader key, or "" (none, or several).
inline std::string leader_of(const json &cluster) {
    auto found = leaders(cluster);
    return found.size() == 1 ? found.front().value("name", "") : "";
}

inline int timeline_of(const json &cluster, const std::string &name) {
    json m = member_in(cluster, name);
    return m.is_null() ? 0 : m.value("timeline", 0);
}

inline std::string ms_text(double ms) {
    return std::to_string(static_cast<long>(ms)) + " ms";
}

}  // namespace drillhost::drills
