// The drills' reading of the haproxy probe's history (plugins/common/service_routing.hpp): when every
// node routed a service to the new leader, and the routing bound taken from the target's plan.
#include <doctest/doctest.h>

#include "service_routing.hpp"

using drillhost::drills::json;
using drillhost::drills::routed_everywhere_at;

namespace {

json change(double t, const std::string &host, json routes) {
    return {{"t_ms", t}, {"host", host}, {"service", "pg-test-primary"}, {"routes_to", std::move(routes)}};
}

}  // namespace

TEST_CASE("routed everywhere: the last node to route the service to the new leader, after the fault") {
    json history = {{"changes",
                     {change(0, "pg-1", {"pg-1"}), change(1, "pg-2", {"pg-1"}),
                      // the fault at 100: both drop the old leader, then take the new one at different times
                      change(2100, "pg-1", json::array()), change(2150, "pg-2", json::array()),
                      change(9000, "pg-2", {"pg-2"}), change(9400, "pg-1", {"pg-2"})}}};
    CHECK(routed_everywhere_at(history, "pg-test-primary", "pg-2", 100) == 9400);
    // A node that never routed to it: no time.
    history["changes"].erase(history["changes"].end() - 1);
    CHECK(routed_everywhere_at(history, "pg-test-primary", "pg-2", 100) == -1);
    // Another service's changes do not count; no history at all is no time.
    CHECK(routed_everywhere_at(history, "pg-test-replica", "pg-2", 100) == -1);
    CHECK(routed_everywhere_at(json::object(), "pg-test-primary", "pg-2", 100) == -1);
}

TEST_CASE("routed everywhere: a node already routing to the leader at the start counts from then") {
    json history = {{"changes",
                     {change(0, "pg-1", {"pg-2"}), change(0, "pg-2", {"pg-1"}),
                      change(3000, "pg-2", {"pg-1", "pg-2"}), change(3500, "pg-2", {"pg-2"})}}};
    CHECK(routed_everywhere_at(history, "pg-test-primary", "pg-2", 1000) == 3500);
    // Routing to the leader and another member is not routing to the leader alone.
    history["changes"].erase(history["changes"].end() - 1);
    CHECK(routed_everywhere_at(history, "pg-test-primary", "pg-2", 1000) == -1);
}

TEST_CASE("the routing bound comes from the target's plan, and there is none without one") {
    json target = {
        {"rto_plan",
         {{"name", "fast"}, {"downinter", 1}, {"fastinter", 0.5}, {"rise", 3}, {"check_timeout", 3}}}};
    auto bound = drillhost::drills::routing_bound(target);
    REQUIRE(bound.has_value());
    CHECK(bound->ms == doctest::Approx(5000));  // 1 + 2 x 0.5 + 3
    CHECK(bound->text().find("fast plan") != std::string::npos);
    CHECK_FALSE(drillhost::drills::routing_bound(json::object()).has_value());
    target["rto_plan"].erase("check_timeout");
    CHECK_FALSE(drillhost::drills::routing_bound(target).has_value());
}

TEST_CASE("a target offers services when a member has a primary service port and a stats page") {
    json member = {
        {"name", "pg-1"},
        {"routing", {{"stats_url", "http://10.0.0.1:9101/haproxy"}, {"service_ports", {{"primary", 5433}}}}}};
    CHECK(drillhost::drills::offers_services(json{{"members", {member}}}));
    member["routing"].erase("stats_url");
    CHECK_FALSE(drillhost::drills::offers_services(json{{"members", {member}}}));
    CHECK_FALSE(drillhost::drills::offers_services(json{{"members", {{{"name", "pg-1"}}}}}));
}

TEST_CASE("routed everywhere: the old leader's node, cut off by a partition, is left out") {
    // pg-1 led and is cut off: its HAProxy routes to nobody until the heal; pg-2 and pg-3 follow pg-2.
    json history = {{"changes",
                     {change(0, "pg-1", {"pg-1"}), change(0, "pg-2", {"pg-1"}), change(0, "pg-3", {"pg-1"}),
                      change(3000, "pg-1", json::array()), change(11000, "pg-2", {"pg-2"}),
                      change(11200, "pg-3", {"pg-2"})}}};
    CHECK(routed_everywhere_at(history, "pg-test-primary", "pg-2", 100) == -1);
    CHECK(routed_everywhere_at(history, "pg-test-primary", "pg-2", 100, "pg-1") == 11200);
}
