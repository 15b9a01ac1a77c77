// `sandbox up --profile pigsty`: what the profile turns on, and what the user set by hand keeps.
#include <doctest/doctest.h>

#include <drillhost/sandbox/sandbox.hpp>

namespace sb = drillhost::sandbox;

TEST_CASE(
    "the pigsty profile: services, failsafe, REST auth, cluster pg-test and the plan's Patroni timing") {
    sb::SandboxOptions o;
    o.profile = "pigsty";
    sb::apply_profile(o, {});
    CHECK(o.services);
    CHECK(o.failsafe_mode);
    CHECK(o.rest_auth);
    CHECK(o.scope == "pg-test");
    // The fast plan: ttl 20, loop_wait 5, retry_timeout 5.
    CHECK(o.ttl == 20);
    CHECK(o.loop_wait == 5);
    CHECK(o.retry_timeout == 5);

    sb::SandboxOptions norm;
    norm.profile = "pigsty";
    norm.rto_plan = "norm";
    norm.ttl = 10;
    sb::apply_profile(norm, {"ttl"});  // --ttl 10 given by hand stays
    CHECK(norm.ttl == 10);
    CHECK(norm.loop_wait == 5);
    CHECK(norm.retry_timeout == 10);
}

TEST_CASE("without a profile nothing changes") {
    sb::SandboxOptions o;
    sb::apply_profile(o, {});
    CHECK_FALSE(o.services);
    CHECK(o.scope == "drillhost");
    CHECK(o.ttl == 10);
}
