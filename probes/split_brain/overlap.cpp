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

}  // namespace drillhost::probes
