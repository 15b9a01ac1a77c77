// What a drill reports through its host table: assertions (a verdict with what was observed and
// the bound it was held to) and measurements.
#pragma once

#include <drillhost/plugin_api.h>

#include <string>

namespace drillhost {

struct Assertion {
    std::string name;
    dh_verdict verdict = DH_VERDICT_PASS;
    std::string observed;
    std::string bound;
};

struct Measurement {
    std::string name;
    double value = 0;
    std::string unit;
};

}  // namespace drillhost
