// Patroni's keys in etcd, read from etcd's own replies: a v3 range recorded from the embedded
// cluster (Patroni 4.1.4, etcd3 driver), and v2 and hostile replies.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "dcs_view.hpp"
#include "lsn.hpp"

using namespace drillhost::probes;

namespace {

std::string recorded(const std::string &name) {
    std::ifstream in(std::string(REPLIES_DIR) + "/patroni-4.1.4/" + name);
    std::stringstream text;
    text << in.rdbuf();
    REQUIRE_FALSE(text.str().empty());
    return text.str();
}

}  // namespace

TEST_CASE(
    "dcs: the v3 range of a cluster's keys gives the leader, its key's revision and the published optime") {
    auto view = parse_etcd3_range(recorded("etcd3-range.json"), "/service/drillhost/");
    REQUIRE(view.leader.has_value());
    CHECK(*view.leader == "pg-3");
    CHECK(view.leader_revision == 13);
    REQUIRE(view.optime.has_value());
    CHECK(*view.optime > 0);
    CHECK(format_lsn(*view.optime).find('/') != std::string::npos);
    // Another scope's keys are not this cluster's.
    CHECK_FALSE(parse_etcd3_range(recorded("etcd3-range.json"), "/service/other/").leader.has_value());
}

TEST_CASE("dcs: the request covers every key under the prefix and nothing beside it") {
    auto request = etcd3_range_request("/service/drillhost/");
    CHECK(request["key"] == "L3NlcnZpY2UvZHJpbGxob3N0Lw==");        // "/service/drillhost/"
    CHECK(request["range_end"] == "L3NlcnZpY2UvZHJpbGxob3N0MA==");  // "/service/drillhost0"
    CHECK(scope_prefix("/pg", "pg-test") == "/pg/pg-test/");
    CHECK(scope_prefix("", "x") == "/service/x/");
}

TEST_CASE("dcs: the v2 keys API, with the status key or only the legacy optime/leader") {
    auto view = parse_etcd2_keys(R"({"action": "get", "node": {"key": "/service/s", "dir": true, "nodes": [
        {"key": "/service/s/leader", "value": "pg-2", "modifiedIndex": 41},
        {"key": "/service/s/optime", "dir": true, "nodes": [{"key": "/service/s/optime/leader", "value": "50331648"}]},
        {"key": "/service/s/status", "value": "{\"optime\": 67108864, \"slots\": {}}", "modifiedIndex": 57}]}})",
                                 "/service/s/");
    CHECK(view.leader == "pg-2");
    CHECK(view.leader_revision == 41);
    CHECK(view.optime == 67108864u);  // the status key wins over the legacy one
    auto legacy = parse_etcd2_keys(R"({"node": {"key": "/service/s", "dir": true, "nodes": [
        {"key": "/service/s/optime", "dir": true, "nodes": [{"key": "/service/s/optime/leader", "value": "50331648"}]}]}})",
                                   "/service/s/");
    CHECK_FALSE(legacy.leader.has_value());
    CHECK(legacy.optime == 50331648u);
    CHECK(format_lsn(50331648) == "0/3000000");
    auto none = parse_etcd2_keys(R"({"errorCode": 100, "message": "Key not found"})", "/service/s/");
    CHECK_FALSE(none.leader.has_value());
}

TEST_CASE("dcs: replies that are not etcd's are refused with what is wrong") {
    CHECK_THROWS_AS(parse_etcd3_range("<html>", "/service/s/"), std::invalid_argument);
    CHECK_THROWS_AS(parse_etcd3_range(R"({"header": {}, "kvs": [{"key": "%%%"}]})", "/service/s/"),
                    std::invalid_argument);
    CHECK_THROWS_AS(parse_etcd3_range(R"({"header": {}, "kvs": [{"value": "eA=="}]})", "/service/s/"),
                    std::invalid_argument);
    CHECK_THROWS_AS(parse_etcd2_keys(R"({"node": "x"})", "/service/s/"), std::invalid_argument);
    // A status key that is not Patroni's JSON gives no optime rather than a wrong one.
    auto view = parse_etcd2_keys(R"({"node": {"key": "/service/s", "nodes": [
        {"key": "/service/s/status", "value": "{\"optime\": -5}"}]}})",
                                 "/service/s/");
    CHECK_FALSE(view.optime.has_value());
}
