#include <doctest/doctest.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/network.hpp>

using drillhost::sandbox::cidr_overlap;

TEST_CASE("subnet overlap, as the sandbox checks it against the machine's routes") {
    CHECK(cidr_overlap("10.213.7.0/24", "10.0.0.0/8"));
    CHECK(cidr_overlap("10.0.0.0/8", "10.213.7.0/24"));
    CHECK(cidr_overlap("10.213.7.0/24", "10.213.7.5"));  // a bare address is a /32
    CHECK_FALSE(cidr_overlap("10.213.7.0/24", "10.213.8.0/24"));
    CHECK_FALSE(cidr_overlap("10.213.7.0/24", "172.17.0.0/16"));
    CHECK(cidr_overlap("0.0.0.0/0", "192.168.1.0/24"));
    CHECK_THROWS_AS(cidr_overlap("not-an-address/24", "10.0.0.0/8"), drillhost::UsageError);
}
