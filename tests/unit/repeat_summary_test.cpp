// `run --repeat N`: each drill's numbers as nearest-rank p50 / p95 / max, verdicts counted, and a
// drill whose runs end differently marked unstable (which the exit code turns into 1).
#include <doctest/doctest.h>
#include <drillhost/core/repeat_summary.hpp>

using namespace drillhost;

namespace {

DrillResult result(const std::string &drill, Outcome outcome, std::vector<Measurement> measurements) {
    DrillResult r;
    r.drill = drill;
    r.outcome = outcome;
    r.measurements = std::move(measurements);
    return r;
}

}  // namespace

TEST_CASE("repeat: nearest-rank percentiles are values that were measured") {
    CHECK(nearest_rank({}, 0.5) == 0);
    CHECK(nearest_rank({7}, 0.95) == 7);
    CHECK(nearest_rank({3000, 1000, 2000}, 0.50) == 2000);  // ceil(1.5) = 2nd smallest
    CHECK(nearest_rank({3000, 1000, 2000}, 0.95) == 3000);  // ceil(2.85) = 3rd
    std::vector<double> twenty;
    for (int i = 20; i >= 1; --i) twenty.push_back(i);
    CHECK(nearest_rank(twenty, 0.50) == 10);
    CHECK(nearest_rank(twenty, 0.95) == 19);
    CHECK(nearest_rank(twenty, 1.0) == 20);
}

TEST_CASE("repeat: runs grouped per drill with their spread, in the order the drills first ran") {
    std::vector<DrillResult> results = {
        result("org.x.switchover", Outcome::passed, {{"rto", 1200, "ms"}, {"lost_writes", 0, "count"}}),
        result("org.x.switchover", Outcome::passed, {{"rto", 900, "ms"}, {"lost_writes", 0, "count"}}),
        result("org.x.switchover", Outcome::passed, {{"rto", 1500, "ms"}, {"lost_writes", 0, "count"}}),
        result("org.x.partition", Outcome::failed, {{"rto", 8000, "ms"}}),
        result("org.x.partition", Outcome::passed, {{"rto", 7000, "ms"}}),
        result("org.x.partition", Outcome::passed, {{"rto", 7500, "ms"}, {"lost_writes", 3581, "count"}}),
    };
    auto drills = summarise_repeats(results);
    REQUIRE(drills.size() == 2);
    CHECK(drills[0].drill == "org.x.switchover");
    CHECK_FALSE(drills[0].unstable);
    CHECK(drills[0].outcomes == std::map<std::string, int>{{"passed", 3}});
    REQUIRE(drills[0].measurements.size() == 2);
    CHECK(drills[0].measurements[0].name == "rto");
    CHECK(drills[0].measurements[0].values == std::vector<double>{1200, 900, 1500});
    CHECK(drills[0].measurements[0].p50 == 1200);
    CHECK(drills[0].measurements[0].p95 == 1500);
    CHECK(drills[0].measurements[0].max == 1500);

    CHECK(drills[1].unstable);
    CHECK(drills[1].outcomes == std::map<std::string, int>{{"failed", 1}, {"passed", 2}});
    CHECK(drills[1].runs.size() == 3);
    // A number only some runs reported is summarised over those runs.
    REQUIRE(drills[1].measurements.size() == 2);
    CHECK(drills[1].measurements[1].values == std::vector<double>{3581});
}

TEST_CASE("repeat: a drill that passed once and was skipped once is unstable too") {
    auto drills = summarise_repeats({result("d", Outcome::passed, {}), result("d", Outcome::skipped, {})});
    REQUIRE(drills.size() == 1);
    CHECK(drills[0].unstable);
}
