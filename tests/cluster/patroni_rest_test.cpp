// The patroni-rest probe against the embedded cluster, with patronictl (which reads the DCS, not
// the REST API) as an independent oracle.
#include <drillhost/sandbox/sandbox.hpp>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

const std::string plugins = std::string(PLUGINS_DIR) + "/*.so";

json probe(const Sandbox &s, std::vector<std::string> args) {
    args.insert(args.begin(), {"--load", plugins, "--format", "json", "probe", "patroni-rest"});
    auto r = s.drillhost(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
}

// The sandbox's own patronictl (Debian's, or the one beside `sandbox up --patroni`): it reads the DCS.
json patronictl(const sb::SandboxState &state, const std::string &command) {
    std::string argv;
    for (const auto &word : state.patroni.patronictl) argv += "'" + word + "' ";
    auto text = shell(argv + "-c " + state.members[0].patroni_config().string() + " " + command + " -f json");
    auto parsed = json::parse(text, nullptr, false);
    REQUIRE_MESSAGE(!parsed.is_discarded(), text);
    return parsed;
}

std::string leader_of(const json &cluster) {
    for (const auto &m : cluster["members"])
        if (m["role"] == "leader") return m["name"];
    return "";
}

}  // namespace

TEST_CASE("the REST view agrees with patronictl list and history, across a switchover") {
    Sandbox s;
    auto state = s.up();
    auto agree = [&] {
        auto cluster = probe(s, {"cluster"})["data"];
        auto listed = patronictl(state, "list");
        REQUIRE(cluster["members"].size() == listed.size());
        for (const auto &row : listed) {
            auto it = std::find_if(cluster["members"].begin(), cluster["members"].end(),
                                   [&](const json &m) { return m["name"] == row["Member"]; });
            REQUIRE(it != cluster["members"].end());
            CHECK((*it)["host"] == row["Host"]);
            CHECK((*it)["state"] == row["State"]);
            CHECK(((*it)["role"] == "leader") == (row["Role"] == "Leader"));
            if (row.contains("TL")) CHECK((*it)["timeline"] == row["TL"]);
        }
        return cluster;
    };
    auto before = agree();
    std::string old_leader = leader_of(before);
    std::string candidate = old_leader == "pg-1" ? "pg-2" : "pg-1";
    // Right after bring-up Patroni may still refuse (412) until the candidate has reported in; retry.
    json switched;
    eventually(
        [&] {
            switched =
                probe(s, {"switchover", "-p",
                          "body={\"leader\":\"" + old_leader + "\",\"candidate\":\"" + candidate + "\"}"});
            return switched["ok"] == true;
        },
        std::chrono::seconds(30));
    CHECK_MESSAGE(switched["ok"] == true, switched.dump());
    CHECK(switched["outcome"] == "done");
    bool settled = eventually(
        [&] {
            auto cluster = probe(s, {"cluster"})["data"];
            for (const auto &m : cluster["members"]) {
                bool up = m["state"] == "running" || m["state"] == "streaming";  // a 3.1+ replica streams
                if (!up || m.value("timeline", 0) != 2) return false;
            }
            return leader_of(cluster) == candidate;
        },
        std::chrono::seconds(30));
    REQUIRE(settled);
    agree();

    auto history = probe(s, {"history"})["data"];
    auto oracle = patronictl(state, "history");
    REQUIRE(history.size() == oracle.size());
    REQUIRE(history.size() == 1);
    CHECK(history[0]["timeline"] == oracle[0]["TL"]);
    CHECK(history[0]["lsn"] == oracle[0]["LSN"]);
    CHECK(history[0]["new_leader"] == oracle[0]["New Leader"]);
    CHECK(history[0]["new_leader"] == candidate);

    // Documented refusals become clear results: a switchover from a member that is not the leader.
    auto refused = probe(s, {"switchover", "-p",
                             "body={\"leader\":\"" + old_leader + "\",\"candidate\":\"" + candidate + "\"}"});
    CHECK(refused["ok"] == false);
    CHECK(refused["status"] == 412);
    CHECK(refused["outcome"] == "not possible");
}

TEST_CASE("bounds come from GET /config, and health checks answer per member") {
    Sandbox s;
    auto state = s.up({"--ttl", "12", "--loop-wait", "2", "--retry-timeout", "4"});
    auto config = probe(s, {"config"})["data"];
    CHECK(config["ttl"] == 12);
    CHECK(config["loop_wait"] == 2);
    CHECK(config["retry_timeout"] == 4);
    auto primary = probe(s, {"health", "-p", "check=primary"})["members"];
    int primaries = 0;
    for (const auto &[name, result] : primary.items()) primaries += result["ok"] == true;
    CHECK(primaries == 1);
    auto replicas = probe(s, {"health", "-p", "check=replica"})["members"];
    int healthy_replicas = 0;
    for (const auto &[name, result] : replicas.items()) healthy_replicas += result["ok"] == true;
    CHECK(healthy_replicas == 2);
}

TEST_CASE("when one member does not answer, the probe asks the next one") {
    Sandbox s;
    auto state = s.up();
    // pg-1 drops everything from the machine's side of the bridge: its REST API is unreachable.
    auto cut = s.drillhost({"sandbox", "exec", "pg-1", "--", "iptables", "-A", "INPUT", "-s", state.gateway,
                            "-j", "DROP", "-m", "comment", "--comment", "drillhost-test"});
    REQUIRE(cut.exit_code == 0);
    auto cluster = probe(s, {"cluster", "-p", "timeout_ms=500"});
    CHECK(cluster["member"] != "pg-1");
    CHECK(cluster["data"]["members"].size() == 3);

    auto only_pg1 = s.drillhost(
        {"--load", plugins, "probe", "patroni-rest", "patroni", "-p", "member=pg-1", "-p", "timeout_ms=300"});
    CHECK(only_pg1.exit_code == 3);
    CHECK(contains(only_pg1.err, "no member answered GET /patroni"));
    CHECK(contains(only_pg1.err, state.member("pg-1").rest_url()));
}

TEST_CASE("a write skips a member whose Patroni is frozen: it would take the call and never answer") {
    Sandbox s;
    s.up();
    // pg-1 is the first member the probe asks; frozen, it still accepts connections.
    auto frozen = s.drillhost({"--load", plugins, "inject", "freeze", "--host", "pg-1"});
    REQUIRE_MESSAGE(frozen.exit_code == 0, frozen.err);
    auto started = std::chrono::steady_clock::now();
    auto patched = probe(
        s, {"patch_config", "-p", R"(body={"maximum_lag_on_failover": 1048577})", "-p", "timeout_ms=1000"});
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(patched["ok"] == true);
    CHECK(patched["member"] != "pg-1");
    CHECK_MESSAGE(seconds < 30, "the write waited " << seconds << " s");  // not write_timeout_ms (60 s)
    probe(s, {"patch_config", "-p", R"(body={"maximum_lag_on_failover": 1048576})", "-p", "timeout_ms=1000"});
    CHECK(s.drillhost({"--load", plugins, "recover"}).exit_code == 0);
}

TEST_CASE("over HTTPS with basic auth: the target's CA verifies, writes need its credentials") {
    Sandbox s;
    auto state = s.up({"--rest-tls", "--rest-auth"});
    REQUIRE(contains(state.members[0].rest_url(), "https://"));
    auto cluster = probe(s, {"cluster"});  // the embedded target carries the CA and credentials
    CHECK(cluster["data"]["members"].size() == 3);
    CHECK(contains(cluster["data"]["members"][0]["api_url"], "https://"));

    auto target_with = [&](const json &restapi) {
        auto target = state.to_json();
        target["restapi"] = restapi;
        auto file =
            s.dir.path() / ("target-" + std::to_string(std::hash<std::string>{}(restapi.dump())) + ".json");
        std::ofstream(file) << target.dump();
        return file.string();
    };
    auto unverified = s.drillhost(
        {"--load", plugins, "probe", "patroni-rest", "cluster", "--target", target_with(json::object())});
    CHECK(unverified.exit_code == 3);
    CHECK(contains(unverified.err, "SSL certificate problem"));
    CHECK(probe(s, {"cluster", "--target", target_with({{"insecure", true}})})["status"] == 200);

    auto no_credentials = target_with({{"cacert", state.rest_cacert().string()}});
    auto refused = probe(
        s, {"patch_config", "-p", R"(body={"maximum_lag_on_failover":2097152})", "--target", no_credentials});
    CHECK(refused["ok"] == false);
    CHECK(refused["status"] == 401);
    CHECK(contains(refused["outcome"], "unauthorized"));
    CHECK(probe(s, {"config"})["data"]["maximum_lag_on_failover"] == 1048576);  // unchanged

    auto patched = probe(s, {"patch_config", "-p", R"(body={"maximum_lag_on_failover":2097152})"});
    CHECK(patched["ok"] == true);
    CHECK(probe(s, {"config"})["data"]["maximum_lag_on_failover"] == 2097152);
}
