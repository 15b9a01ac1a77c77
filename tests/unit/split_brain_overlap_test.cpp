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

TEST_CASE("independent member samples merge into rounds, a stale answer stops counting") {
    // a is the primary throughout; b is promoted at 250 and answers every 100 ms until it stops
    // answering after 450 (frozen): its last "writable" counts for stale_ms, then no longer.
    std::vector<Observation> observations = {
        {"a", 0, true},   {"b", 50, false}, {"a", 100, true}, {"b", 150, false},       {"a", 200, true},
        {"b", 250, true}, {"a", 300, true}, {"b", 350, true}, {"a", 400, true},        {"b", 450, true},
        {"a", 500, true}, {"a", 600, true}, {"a", 700, true}, {"b", 800, std::nullopt}};
    auto windows = overlaps(merge(observations, 150));
    REQUIRE(windows.size() == 1);
    CHECK(windows[0].start_ms == 250);
    CHECK(windows[0].end_ms == 700);  // at 700, b's answer from 450 is older than 150 ms
    CHECK(windows[0].members == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a member that did not answer is never counted writable") {
    std::vector<Observation> observations = {
        {"a", 0, true}, {"b", 10, std::nullopt}, {"a", 100, true}, {"b", 110, std::nullopt}};
    CHECK(overlaps(merge(observations, 1000)).empty());
}
