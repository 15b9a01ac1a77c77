// `run --repeat N`: each drill's runs gathered, with each measurement's p50, p95 and max and the
// verdicts counted, and a drill whose verdicts differ across its runs marked unstable. Percentiles
// are nearest-rank (the ceil(p x n)-th smallest value), so each is a value that was measured:
// with 3 runs, p50 is the middle one and p95 the largest.
#pragma once

#include <drillhost/core/runner.hpp>

#include <map>
#include <string>
#include <vector>

namespace drillhost {

struct MeasurementSpread {
    std::string name;
    std::string unit;
    std::vector<double> values;  // one per run that reported it, in run order
    double p50 = 0, p95 = 0, max = 0;
};

struct DrillRepeats {
    std::string drill;
    std::vector<const DrillResult *> runs;        // in run order
    std::map<std::string, int> outcomes;          // "passed" -> 2, "failed" -> 1
    bool unstable = false;                        // its runs ended in more than one outcome
    std::vector<MeasurementSpread> measurements;  // in the order the first run reported them
};

// The nearest-rank percentile of `values` (any order; p in (0, 1]); 0 for none.
double nearest_rank(std::vector<double> values, double p);

// Groups results by drill, in the order each drill first ran.
std::vector<DrillRepeats> summarise_repeats(const std::vector<DrillResult> &results);

}  // namespace drillhost
