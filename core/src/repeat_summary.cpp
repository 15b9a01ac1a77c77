#include <drillhost/core/repeat_summary.hpp>

#include <algorithm>
#include <cmath>

namespace drillhost {

double nearest_rank(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

std::vector<DrillRepeats> summarise_repeats(const std::vector<DrillResult> &results) {
    std::vector<DrillRepeats> drills;
    for (const auto &result : results) {
        auto it = std::find_if(drills.begin(), drills.end(),
                               [&](const DrillRepeats &d) { return d.drill == result.drill; });
        if (it == drills.end())
            it = drills.insert(drills.end(), DrillRepeats{result.drill, {}, {}, false, {}});
        it->runs.push_back(&result);
        it->outcomes[outcome_name(result.outcome)]++;
        for (const auto &m : result.measurements) {
            auto spread = std::find_if(it->measurements.begin(), it->measurements.end(),
                                       [&](const MeasurementSpread &s) { return s.name == m.name; });
            if (spread == it->measurements.end())
                spread =
                    it->measurements.insert(it->measurements.end(), MeasurementSpread{m.name, m.unit, {}});
            spread->values.push_back(m.value);
        }
    }
    for (auto &drill : drills) {
        drill.unstable = drill.outcomes.size() > 1;
        for (auto &spread : drill.measurements) {
            spread.p50 = nearest_rank(spread.values, 0.50);
            spread.p95 = nearest_rank(spread.values, 0.95);
            spread.max = *std::max_element(spread.values.begin(), spread.values.end());
        }
    }
    return drills;
}

}  // namespace drillhost
