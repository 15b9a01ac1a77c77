#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "patroni_reply.hpp"

using namespace drillhost::probes;
using nlohmann::json;

namespace {

std::string recorded(const std::string &name, const std::string &version = "3.0.2") {
    std::ifstream in(std::string(REPLIES_DIR) + "/patroni-" + version + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    REQUIRE_FALSE(text.str().empty());
    return text.str();
}

const ReplyOrigin origin{"GET http://10.213.7.11:8008/x", 200};

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

std::string error_of(const std::function<void()> &parse) {
    try {
        parse();
    } catch (const ReplyError &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("GET /cluster of Patroni 3.0.2, recorded from the embedded cluster") {
    auto cluster = parse_cluster(recorded("cluster.json"), origin);
    REQUIRE(cluster["members"].size() == 3);
    CHECK(cluster["members"][0]["role"] == "leader");
    CHECK(cluster["members"][0]["timeline"] == 1);
    CHECK_FALSE(cluster["members"][0].contains("lag_bytes"));
    CHECK(cluster["members"][1]["lag_bytes"] == 0);
    CHECK(cluster["pause"] == false);

    auto after = parse_cluster(recorded("cluster-after-switchover.json"), origin);
    CHECK(after["members"][1]["role"] == "leader");
    CHECK(after["members"][2]["lag_bytes"] == 224);
}

TEST_CASE("GET /patroni: 3.x 'master' becomes 'primary', replica xlog fields kept") {
    auto primary = parse_patroni(recorded("patroni-primary.json"), origin);
    CHECK(primary["role"] == "primary");
    CHECK(primary["xlog"]["location"] == 67108864);
    CHECK(primary["replication"].size() == 2);
    CHECK(primary["patroni"]["version"] == "3.0.2");
    auto replica = parse_patroni(recorded("patroni-replica.json"), origin);
    CHECK(replica["role"] == "replica");
    CHECK(replica["xlog"]["paused"] == false);
    CHECK(replica["xlog"]["replayed_location"] == 67108864);
}

// Recorded from a 4.1.4 member of the embedded cluster (`sandbox up --patroni`): "primary", replica
// state "streaming", 4.1's receive/replay LSN and lag fields, quorum commit's roles.
TEST_CASE("GET /cluster, /patroni, /history and /config of Patroni 4.1.4, recorded") {
    auto cluster = parse_cluster(recorded("cluster.json", "4.1.4"), origin);
    REQUIRE(cluster["members"].size() == 3);
    CHECK(cluster["members"][0]["role"] == "replica");
    CHECK(cluster["members"][0]["state"] == "streaming");
    CHECK(cluster["members"][0]["lag_bytes"] == 0);
    CHECK(cluster["members"][0]["receive_lag_bytes"] == 0);
    CHECK(cluster["members"][0]["replay_lsn"] == "0/4000000");
    CHECK(cluster["members"][2]["role"] == "leader");
    CHECK_FALSE(cluster["members"][2].contains("lag_bytes"));

    auto quorum = parse_cluster(recorded("cluster-quorum.json", "4.1.4"), origin);
    int quorum_standbys = 0;
    for (const auto &m : quorum["members"]) quorum_standbys += m["role"] == "quorum_standby";
    CHECK(quorum_standbys == 2);

    auto primary = parse_patroni(recorded("patroni-primary.json", "4.1.4"), origin);
    CHECK(primary["role"] == "primary");
    CHECK(primary["patroni"]["version"] == "4.1.4");
    CHECK(primary["replication"][0]["state"] == "streaming");
    auto replica = parse_patroni(recorded("patroni-replica.json", "4.1.4"), origin);
    CHECK(replica["role"] == "replica");
    auto quorum_primary = parse_patroni(recorded("patroni-primary-quorum.json", "4.1.4"), origin);
    CHECK(quorum_primary["replication"][0]["sync_state"] == "quorum");

    auto history = parse_history(recorded("history.json", "4.1.4"), origin);
    REQUIRE(history.size() == 1);
    CHECK(history[0]["lsn"] == 67109200);
    CHECK(history[0]["new_leader"] == "pg-1");
    auto config = parse_config(recorded("config.json", "4.1.4"), origin);
    CHECK(config["ttl"] == 20);  // 10 asked: Patroni 4 raised it
}

// patronictl 4.1 reads the DCS and prints its own columns: the oracle the REST view is checked
// against in the cluster tests reads these names.
TEST_CASE("patronictl 4.1.4 list and history -f json agree with the REST replies recorded beside them") {
    auto listed = json::parse(recorded("patronictl-list.json", "4.1.4"));
    auto cluster = parse_cluster(recorded("cluster.json", "4.1.4"), origin);
    REQUIRE(listed.size() == cluster["members"].size());
    for (size_t i = 0; i < listed.size(); ++i) {
        CHECK(listed[i]["Member"] == cluster["members"][i]["name"]);
        CHECK(listed[i]["TL"] == cluster["members"][i]["timeline"]);
        bool leader = cluster["members"][i]["role"] == "leader";
        CHECK(listed[i]["Role"] == (leader ? "Leader" : "Replica"));
        if (!leader) CHECK(listed[i]["Receive LSN"] == cluster["members"][i]["receive_lsn"]);
    }
    auto ctl_history = json::parse(recorded("patronictl-history.json", "4.1.4"));
    auto history = parse_history(recorded("history.json", "4.1.4"), origin);
    REQUIRE(ctl_history.size() == history.size());
    CHECK(ctl_history[0]["LSN"] == history[0]["lsn"]);
    CHECK(ctl_history[0]["New Leader"] == history[0]["new_leader"]);
}

TEST_CASE("hand-made Patroni 4.x replies: 'primary', lsn fields, 'unknown' lag") {
    auto cluster = parse_cluster(R"({"members": [
        {"name": "a", "role": "leader", "state": "running", "host": "h", "port": 5432, "timeline": 3, "lsn": "0/5000060"},
        {"name": "b", "role": "sync_standby", "state": "streaming", "host": "h", "port": 5432, "timeline": 3,
         "lag": "unknown", "receive_lsn": "0/5000060", "replay_lsn": "0/5000060"}]})",
                                 origin);
    CHECK(cluster["members"][0]["lsn"] == "0/5000060");
    CHECK(cluster["members"][1]["state"] == "streaming");
    CHECK(cluster["members"][1]["lag_bytes"].is_null());
    auto unknown = parse_cluster(R"({"members": [{"name": "b", "role": "replica", "state": "streaming",
        "receive_lag": "unknown", "receive_lsn": "unknown", "replay_lag": 5, "replay_lsn": "0/5"}]})",
                                 origin);
    CHECK(unknown["members"][0]["receive_lag_bytes"].is_null());
    CHECK(unknown["members"][0]["receive_lsn"] == "unknown");
    CHECK(unknown["members"][0]["replay_lag_bytes"] == 5);
    auto patroni = parse_patroni(
        R"({"state": "running", "role": "primary", "timeline": 3, "xlog": {"location": 1}})", origin);
    CHECK(patroni["role"] == "primary");
}

TEST_CASE("GET /history and GET /config") {
    auto history = parse_history(recorded("history.json"), origin);
    REQUIRE(history.size() == 1);
    CHECK(history[0]["timeline"] == 1);
    CHECK(history[0]["new_leader"] == "pg-2");
    auto config = parse_config(recorded("config.json"), origin);
    CHECK(config["ttl"] == 10);
    CHECK(config["loop_wait"] == 1);
    CHECK(config["retry_timeout"] == 3);
    CHECK(parse_config("{}", origin)["ttl"] == 30);  // Patroni's default
}

TEST_CASE("a reply that is not the expected JSON names the endpoint, the status and the first bytes") {
    std::string html = error_of([] {
        parse_cluster("<html><body>502 Bad Gateway</body></html>", {"GET http://x:8008/cluster", 502});
    });
    CHECK(contains(html, "GET http://x:8008/cluster"));
    CHECK(contains(html, "HTTP 502"));
    CHECK(contains(html, "not JSON"));
    CHECK(contains(html, "<html><body>502 Bad Gateway"));

    auto truncated = recorded("cluster.json").substr(0, 120);
    CHECK(contains(error_of([&] { parse_cluster(truncated, origin); }), "not JSON"));

    CHECK(contains(error_of([] { parse_cluster(R"({"members": {}})", origin); }),
                   "members is object, expected array"));
    CHECK(contains(
        error_of([] { parse_cluster(R"({"members": [{"name": "a", "role": 7, "state": "x"}]})", origin); }),
        "members[0].role is number"));
    CHECK(contains(error_of([] { parse_patroni(R"({"state": "running"})", origin); }), "missing role"));
    CHECK(contains(error_of([] { parse_history(R"([[1]])", origin); }), "history[0]"));
    CHECK(contains(error_of([] { parse_config(R"({"ttl": "ten"})", origin); }), "ttl is not a number"));
}

TEST_CASE("GET /failsafe: member name -> api_url, anything else refused") {
    auto members = parse_failsafe(
        R"({"pg-1": "http://10.0.0.11:8008/patroni", "pg-2": "http://10.0.0.12:8008/patroni"})", origin);
    CHECK(members.size() == 2);
    CHECK(members["pg-2"] == "http://10.0.0.12:8008/patroni");
    CHECK(contains(error_of([] { parse_failsafe(R"(["pg-1"])", origin); }), "expected an object"));
    CHECK(contains(error_of([] { parse_failsafe(R"({"pg-1": 8008})", origin); }),
                   "api_url of pg-1 is not a string"));
}

// Found by the patroni_reply fuzzer (tests/fuzz/fuzz_patroni_reply.cpp): optional fields of the wrong
// type escaped as nlohmann::type_error (not ReplyError), and a port of 5e32 was converted to int
// (undefined behaviour, UBSan: float-cast-overflow).
TEST_CASE("wrong-typed optional fields are a ReplyError naming the field") {
    auto cluster_error = [](const std::string &member_fields) {
        return error_of([&] {
            parse_cluster(R"({"members": [{"name": "a", "role": "leader", "state": "running", )" +
                              member_fields + "}]}",
                          origin);
        });
    };
    CHECK(contains(cluster_error(R"("host": 7)"), "members[0].host is number, expected string"));
    CHECK(contains(cluster_error(R"("api_url": [])"), "members[0].api_url is array, expected string"));
    CHECK(contains(cluster_error(R"("tags": "nofailover")"), "members[0].tags is string, expected object"));
    CHECK(contains(cluster_error(R"("port": "5432")"),
                   "members[0].port is \"5432\", expected an integer 1..65535"));
    CHECK(
        contains(cluster_error(R"("port": 5e32)"), "members[0].port is 5e+32, expected an integer 1..65535"));
    CHECK(contains(cluster_error(R"("port": 5432.5)"), "members[0].port is 5432.5"));
    CHECK(contains(cluster_error(R"("port": 0)"), "members[0].port is 0"));
    CHECK(contains(cluster_error(R"("port": -1)"), "members[0].port is -1"));
    CHECK(contains(cluster_error(R"("port": 65536)"), "members[0].port is 65536"));
    CHECK(contains(cluster_error(R"("port": 18446744073709551615)"),
                   "members[0].port is 18446744073709551615"));
    CHECK(contains(error_of([] { parse_cluster(R"({"members": [], "pause": "yes"})", origin); }),
                   "pause is string, expected boolean"));

    auto patroni_error = [](const std::string &fields) {
        return error_of(
            [&] { parse_patroni(R"({"state": "running", "role": "replica", )" + fields + "}", origin); });
    };
    CHECK(contains(patroni_error(R"("pause": 1)"), "pause is number, expected boolean"));
    CHECK(contains(patroni_error(R"("replication": {})"), "replication is object, expected array"));
    CHECK(contains(patroni_error(R"("xlog": "0/1")"), "xlog is string, expected object"));
}

TEST_CASE("optional fields: absent or null take the default, a valid port is kept") {
    auto cluster = parse_cluster(R"({"members": [
        {"name": "a", "role": "leader", "state": "running", "port": 65535, "host": null, "tags": null},
        {"name": "b", "role": "replica", "state": "running", "port": 1}], "pause": null})",
                                 origin);
    CHECK(cluster["members"][0]["port"] == 65535);
    CHECK(cluster["members"][0]["host"] == "");
    CHECK(cluster["members"][0]["tags"] == json::object());
    CHECK(cluster["members"][1]["port"] == 1);
    CHECK(cluster["members"][1]["api_url"] == "");
    CHECK(cluster["pause"] == false);
    auto patroni = parse_patroni(R"({"state": "running", "role": "replica", "xlog": null})", origin);
    CHECK(patroni["xlog"] == json::object());
    CHECK(patroni["replication"] == json::array());
}
