// The leader key's holders over time, as the DCS sampler saw them (WriteOutcome::dcs), told on a
// drill's clock: evidence for a verdict that depends on who took the key when.
#pragma once

#include "drill_kit.hpp"

namespace drillhost::drills {

// "pg-1 at -2.0 s, nobody at 10.2 s, pg-2 at 10.3 s (revision 57)": each change, in seconds from
// `origin_ms` (the fault), with the key's revision where it was written anew by the same holder.
inline std::string key_holders_text(const json &dcs, double origin_ms) {
    std::string text;
    for (const auto &h : dcs.value("holders", json::array())) {
        char at[32];
        std::snprintf(at, sizeof at, "%.1f s", (h.value("t_ms", 0.0) - origin_ms) / 1000);
        std::string who = h["holder"].is_string() ? h["holder"].get<std::string>() : "nobody";
        text += (text.empty() ? "" : ", ") + who + " at " + at;
    }
    return text.empty() ? "no reading" : text;
}

// When `member` took the key at or after `since_ms` (host clock), or -1.
inline double took_key_at(const json &dcs, const std::string &member, double since_ms) {
    for (const auto &h : dcs.value("holders", json::array()))
        if (h.value("t_ms", 0.0) >= since_ms && h["holder"] == member) return h.value("t_ms", 0.0);
    return -1;
}

}  // namespace drillhost::drills
