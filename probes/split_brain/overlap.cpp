#include "overlap.hpp"

#include <algorithm>
#include <set>

namespace drillhost::probes {

std::vector<OverlapWindow> overlaps(std::vector<WritableSample> samples) {
    std::sort(samples.begin(), samples.end(),
              [](const WritableSample &a, const WritableSample &b) { return a.t_ms < b.t_ms; });
    std::vector<OverlapWindow> windows;
    bool open = false;
    std::set<std::string> members;
    for (const auto &sample : samples) {
        std::vector<std::string> writable;
        for (const auto &[member, is_writable] : sample.writable)
            if (is_writable) writable.push_back(member);
        if (writable.size() > 1) {
            if (!open) {
                windows.push_back({sample.t_ms, sample.t_ms, {}});
                members.clear();
                open = true;
            }
            members.insert(writable.begin(), writable.end());
            windows.back().end_ms = sample.t_ms;
        } else if (open) {
            windows.back().end_ms = sample.t_ms;
            windows.back().members.assign(members.begin(), members.end());
            open = false;
        }
    }
    if (open) windows.back().members.assign(members.begin(), members.end());
    return windows;
}

std::vector<WritableSample> merge(std::vector<Observation> observations, double stale_ms) {
    std::stable_sort(observations.begin(), observations.end(),
                     [](const Observation &a, const Observation &b) { return a.t_ms < b.t_ms; });
    std::map<std::string, Observation> latest;
    std::vector<WritableSample> samples;
    for (const auto &o : observations) {
        latest[o.member] = o;
        WritableSample sample{o.t_ms, {}};
        for (const auto &[member, last] : latest)
            if (last.writable && o.t_ms - last.t_ms <= stale_ms) sample.writable[member] = *last.writable;
        samples.push_back(std::move(sample));
    }
    return samples;
}

}  // namespace drillhost::probes
