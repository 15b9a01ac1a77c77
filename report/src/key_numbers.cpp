#include <drillhost/report/key_numbers.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace drillhost::report {

std::string format_value(double value, const std::string &unit) {
    char text[64];
    if (unit == "ms") return human_ms(value);
    if (unit == "bytes") {
        if (std::fabs(value) >= 1 << 20)
            std::snprintf(text, sizeof text, "%.1f MiB", value / (1 << 20));
        else if (std::fabs(value) >= 1 << 10)
            std::snprintf(text, sizeof text, "%.1f KiB", value / (1 << 10));
        else
            std::snprintf(text, sizeof text, "%.0f bytes", value);
        return text;
    }
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        std::snprintf(text, sizeof text, "%.0f", value);
    else
        std::snprintf(text, sizeof text, "%.2f", value);
    return unit.empty() || unit == "count" ? std::string(text) : std::string(text) + " " + unit;
}

std::vector<const Measurement *> key_numbers(const DrillJournal &drill, size_t limit) {
    static const std::vector<std::string> first = {
        "rto",         "service_rto", "unavailability", "service_unavailability",
        "lost_writes", "split_brain", "lost_wal_bytes", "switchover",
        "failover",    "convergence"};
    std::vector<const Measurement *> chosen;
    auto add = [&](const Measurement *m) {
        if (m && chosen.size() < limit && std::find(chosen.begin(), chosen.end(), m) == chosen.end())
            chosen.push_back(m);
    };
    // The last of each name, found once (a drill may give many).
    std::map<std::string, const Measurement *> last;
    for (const auto &m : drill.measurements) last[m.name] = &m;
    for (const auto &name : first)
        if (auto it = last.find(name); it != last.end()) add(it->second);
    for (const auto &m : drill.measurements) {
        if (chosen.size() >= limit) break;
        if (last[m.name] == &m) add(&m);
    }
    return chosen;
}

}  // namespace drillhost::report
