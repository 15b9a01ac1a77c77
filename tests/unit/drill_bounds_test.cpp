// The drills' takeover bounds and verdict (plugins/common): what the failover bound adds when the old
// leader's REST API cannot answer, and a promotion seen past the bound judged a miss.
#include <doctest/doctest.h>

#include "takeover.hpp"

using drillhost::drills::Bound;
using drillhost::drills::Bounds;
using drillhost::drills::Takeover;
using drillhost::drills::took_over_within;

namespace {

// The embedded cluster on Patroni 4.1.4: ttl 20, loop_wait 1, retry_timeout 3.
Bounds ttl20() {
    Bounds b;
    b.ttl_s = 20, b.loop_wait_s = 1, b.retry_timeout_s = 3;
    return b;
}

Takeover promoted_after(double ms) {
    Takeover t;
    t.new_leader = "pg-2", t.promoted_ms = ms;
    return t;
}

}  // namespace

TEST_CASE("the failover bound past a silent leader adds Patroni's 2 s member check and says so") {
    Bounds b = ttl20();
    CHECK(b.failover().ms == 25000);
    Bound silent = b.failover_past_silent_leader();
    CHECK(silent.ms == 27000);
    CHECK(silent.text() == "27000 ms (ttl + 2 x loop_wait + retry_timeout + 2 s member check)");
}

TEST_CASE("a promotion the watch saw after the bound is a miss, one within it a pass") {
    Bound bound = ttl20().failover();
    // The 4.1.4 partition run that passed at 25.1 s against 25 s: the last poll landed past the bound.
    CHECK_FALSE(took_over_within(promoted_after(25116), bound));
    CHECK(took_over_within(promoted_after(25000), bound));
    CHECK(took_over_within(promoted_after(21854), bound));
    CHECK_FALSE(took_over_within(Takeover{}, bound));  // nobody promoted
    CHECK(took_over_within(promoted_after(25116), ttl20().failover_past_silent_leader()));
}
