// Durations typed by a user: finite, in a documented range, or a usage error naming the value.
// (CLI11's Range lets NaN through, because every comparison with NaN is false.)
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

namespace drillhost::cli {

// Seconds within [min_s, max_s]; NaN, infinities and anything outside are refused.
inline CLI::Validator seconds_between(double min_s, double max_s) {
    auto text = [](double s) {
        std::string t = std::to_string(s);
        t.erase(t.find_last_not_of('0') + 1);
        if (!t.empty() && t.back() == '.') t.pop_back();
        return t;
    };
    std::string range = text(min_s) + " to " + text(max_s) + " seconds";
    return CLI::Validator(
        [min_s, max_s, range](std::string &value) -> std::string {
            double seconds = 0;
            try {
                size_t used = 0;
                seconds = std::stod(value, &used);
                if (used != value.size()) return "'" + value + "' is not a number of seconds";
            } catch (const std::exception &) {
                return "'" + value + "' is not a number of seconds";
            }
            if (!std::isfinite(seconds) || seconds < min_s || seconds > max_s)
                return "'" + value + "' is out of range: " + range;
            return {};
        },
        range);
}

}  // namespace drillhost::cli
