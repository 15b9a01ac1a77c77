#include <doctest/doctest.h>

#include "overlap.hpp"

using namespace drillhost::probes;

TEST_CASE("one writable member at a time is no split-brain, whoever it is") {
    std::vector<WritableSample> samples = {{0, {{"a", true}, {"b", false}}},
                                           {100, {{"a", false}, {"b", false}}},
                                           {200, {{"b", true}}},  // a not answering: not counted
                                           {300, {{"a", false}, {"b", true}}}};
    CHECK(overlaps(samples).empty());
}

TEST_CASE("two writable members make a window, reported with both names and its length") {
    std::vector<WritableSample> samples = {{300, {{"a", true}, {"b", false}}},
                                           {0, {{"a", true}, {"b", false}}},
                                           {100, {{"a", true}, {"b", true}}},
                                           {200, {{"a", true}, {"b", true}}}};
    auto windows = overlaps(samples);  // unordered input: sorted by time first
    REQUIRE(windows.size() == 1);
    CHECK(windows[0].start_ms == 100);
    CHECK(windows[0].end_ms == 300);
    CHECK(windows[0].duration_ms() == 200);
    CHECK(windows[0].members == std::vector<std::string>{"a", "b"});
}

TEST_CASE("separate windows stay separate, and one still open at the end ends at the last sample") {
    std::vector<WritableSample> samples = {{0, {{"a", true}, {"b", true}}},
                                           {100, {{"a", true}}},
                                           {200, {{"b", true}, {"c", true}}},
                                           {300, {{"b", true}, {"c", true}}}};
    auto windows = overlaps(samples);
    REQUIRE(windows.size() == 2);
    CHECK(windows[0].members == std::vector<std::string>{"a", "b"});
    CHECK(windows[1].start_ms == 200);
    CHECK(windows[1].end_ms == 300);
    CHECK(windows[1].members == std::vector<std::string>{"b", "c"});
}
