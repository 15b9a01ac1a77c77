// HAProxy's `show stat` read into services and the servers they route to (probes/haproxy), from
// replies recorded from Debian 12's HAProxy 2.6 (tests/unit/replies/haproxy-2.6/README.md).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "haproxy_stats.hpp"

using drillhost::probes::parse_show_stat;

namespace {

std::string recorded(const std::string &name) {
    std::ifstream in(std::string(REPLIES_DIR) + "/haproxy-2.6/" + name);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("show stat: each service's servers, which are up, since when, and the last check") {
    auto services = parse_show_stat(recorded("show-stat.csv"));
    REQUIRE(services.size() == 2);
    CHECK(services[0].name == "pg-test-primary");
    REQUIRE(services[0].servers.size() == 2);  // FRONTEND and BACKEND rows left out
    CHECK(services[0].servers[0].name == "pg-test-1");
    CHECK(services[0].servers[0].up);
    CHECK(services[0].servers[0].check == "L7OK");
    CHECK(services[0].servers[0].since_change_s == 2);
    CHECK_FALSE(services[0].servers[1].up);
    CHECK(services[0].servers[1].check == "L4CON");
    CHECK(services[0].routes_to() == std::vector<std::string>{"pg-test-1"});
    CHECK(services[1].name == "pg-test-offline");
    CHECK(services[1].routes_to().empty());  // /replica answered 503: L7STS
    CHECK(services[1].servers[0].check == "L7STS");
}

TEST_CASE("show stat: a server going down (UP 2/3) still takes traffic") {
    auto services = parse_show_stat(recorded("show-stat-going-down.csv"));
    CHECK(services[0].servers[0].status == "UP 2/3");
    CHECK(services[0].servers[0].up);
    CHECK(services[0].routes_to() == std::vector<std::string>{"pg-test-1"});
    auto json = drillhost::probes::to_json(services);
    CHECK(json[0]["routes_to"] == nlohmann::json::array({"pg-test-1"}));
    CHECK(json[0]["servers"][0]["status"] == "UP 2/3");
}

TEST_CASE("not show stat output is refused, naming what is missing") {
    CHECK_THROWS_WITH(parse_show_stat("Unknown command. Please enter one of the following commands only :\n"),
                      "not HAProxy's show stat: no header naming \"pxname\" on its first line");
    CHECK_THROWS_WITH(parse_show_stat(""),
                      "not HAProxy's show stat: no header naming \"pxname\" on its first line");
    CHECK_THROWS_WITH(parse_show_stat("# pxname,svname,qcur,status\npg-test-primary,pg-test-1\n"),
                      "HAProxy's show stat, line 2: 2 fields, the header names more");
    CHECK(parse_show_stat("# pxname,svname,status\n").empty());
}

TEST_CASE("show stat: a backup server takes traffic only while no active server is up") {
    // Pigsty's replica service: the replicas active, the primary a backup (bck 1).
    const std::string csv =
        "# pxname,svname,status,bck,lastchg,check_status\n"
        "pg-test-replica,pg-test-1,UP,1,5,L7OK\n"
        "pg-test-replica,pg-test-2,UP,0,5,L7OK\n"
        "pg-test-replica,pg-test-3,DOWN,0,5,L7STS\n";
    auto services = parse_show_stat(csv);
    REQUIRE(services.size() == 1);
    CHECK(services[0].servers[0].backup);
    CHECK(services[0].routes_to() == std::vector<std::string>{"pg-test-2"});
    auto no_replica = parse_show_stat(
        "# pxname,svname,status,bck\npg-test-replica,pg-test-1,UP,1\npg-test-replica,pg-test-2,DOWN,0\n");
    CHECK(no_replica[0].routes_to() == std::vector<std::string>{"pg-test-1"});
    CHECK(drillhost::probes::to_json(no_replica)[0]["servers"][0]["backup"] == true);
}
