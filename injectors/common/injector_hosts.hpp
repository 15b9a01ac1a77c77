// What injectors share: finding a member of the target and its addresses, and a stable tag for
// what a fault makes on a host, so a revert (even from `recover`, even without the injector's
// record) removes exactly that and nothing else.
#pragma once

#include <drillhost/sdk.hpp>

#include <string>
#include <vector>

namespace drillhost::injectors {

using json = nlohmann::json;

inline json member_of(const json &target, const std::string &name) {
    std::string known;
    for (const auto &m : target.value("members", json::array())) {
        if (m.value("name", "") == name) return m;
        known += (known.empty() ? "" : ", ") + m.value("name", "");
    }
    throw sdk::Error(DH_ERR_INVALID_ARGUMENT, "no host '" + name + "' in the target; the hosts are " + known);
}

inline std::string address_of(const json &member) {
    return member.value("address", member.value("host", ""));
}

// The names of every member but `host`.
inline std::vector<std::string> others(const json &target, const std::string &host) {
    std::vector<std::string> names;
    for (const auto &m : target.value("members", json::array()))
        if (m.value("name", "") != host) names.push_back(m.value("name", ""));
    return names;
}

// "drillhost:<run>:<8 hex of the params>": the same params in the same run give the same tag, so a
// revert without a record (the process died mid-inject) can still find what it made.
inline std::string fault_tag(const std::string &run_id, const json &params) {
    uint32_t h = 2166136261u;  // FNV-1a: stable across builds and processes, unlike std::hash
    for (unsigned char c : params.dump()) h = (h ^ c) * 16777619u;
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", h);
    return "drillhost:" + run_id + ":" + hex;
}

}  // namespace drillhost::injectors
