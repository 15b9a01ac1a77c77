// The ssh transport for real: the embedded cluster runs an sshd in every host (`sandbox up --ssh`),
// and a target whose members are reached over ssh drives the partition and service injectors
// there. What happened is checked through another path (the host's namespace), and an ssh host
// that does not answer is a clear error that leaves nothing open in the ledger.
#include <fstream>
#include <nlohmann/json.hpp>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

const std::string plugins = std::string(PLUGINS_DIR) + "/*.so";

// The sandbox's target with every member reached over ssh, Patroni managed by plain signals.
std::string ssh_target(const Sandbox &s, const sb::SandboxState &state, const std::string &extra_host = "") {
    auto target = state.to_json();
    for (auto &m : target["members"]) {
        m["transport"] = m["ssh_transport"];
        std::string dir = m["dir"], pidfile = dir + "/patroni.pid";
        m["services"] = {{"patroni",
                          {{"pidfile", pidfile},
                           {"start",
                            {"sh", "-c",
                             "setsid setpriv --reuid=postgres --regid=postgres --init-groups patroni " +
                                 m["patroni_config"].get<std::string>() + " >> " + dir +
                                 "/patroni.log 2>&1 < /dev/null & echo $! > " + pidfile}}}}};
    }
    if (!extra_host.empty()) {
        auto ghost = target["members"][0];
        ghost["name"] = "ghost";
        ghost["transport"]["host"] = extra_host;
        target["members"].push_back(ghost);
    }
    auto file = s.dir.path() / (extra_host.empty() ? "ssh-target.json" : "ghost-target.json");
    std::ofstream(file) << target.dump(2);
    return file.string();
}

Finished dh(const Sandbox &s, std::vector<std::string> args) {
    args.insert(args.begin(), {"--load", plugins, "--format", "json"});
    return s.drillhost(args);
}

std::string http_from(const Sandbox &s, const std::string &from, const std::string &url) {
    return s
        .drillhost({"sandbox", "exec", from, "--", "curl", "-s", "-m", "1", "-o", "/dev/null", "-w",
                    "%{http_code}", url})
        .out.substr(0, 3);
}

}  // namespace

TEST_CASE("ssh: partition and service injectors over the ssh transport into hosts of the embedded cluster") {
    Sandbox s;
    auto state = s.up({"--ssh"});
    auto target = ssh_target(s, state);

    auto cut = dh(s, {"inject", "partition", "--host", "pg-1", "--target", target});
    REQUIRE_MESSAGE(cut.exit_code == 0, cut.err);
    CHECK(json::parse(cut.out)["record"]["transport"]["kind"] == "ssh");
    CHECK(contains(s.drillhost({"sandbox", "exec", "pg-1", "--", "iptables", "-S"}).out, "drillhost:"));
    CHECK(http_from(s, "pg-2", state.member("pg-1").rest_url() + "/patroni") == "000");

    auto stopped =
        dh(s, {"inject", "service", "--host", "pg-3", "-p", "service=patroni", "--target", target});
    REQUIRE_MESSAGE(stopped.exit_code == 0, stopped.err);
    CHECK(json::parse(stopped.out)["record"]["backend"]["kind"] == "process");
    CHECK(http_from(s, "pg-2", state.member("pg-3").rest_url() + "/patroni") == "000");

    auto recovered = dh(s, {"recover"});  // the ledger kept the ssh target: no --target needed
    REQUIRE_MESSAGE(recovered.exit_code == 0, recovered.err);
    CHECK(json::parse(recovered.out)["reverted"] == 2);
    CHECK_FALSE(contains(s.drillhost({"sandbox", "exec", "pg-1", "--", "iptables", "-S"}).out, "drillhost:"));
    CHECK(http_from(s, "pg-2", state.member("pg-1").rest_url() + "/patroni") == "200");
    CHECK(eventually(
        [&] { return http_from(s, "pg-2", state.member("pg-3").rest_url() + "/patroni") == "200"; },
        std::chrono::seconds(30)));
}

TEST_CASE("ssh: a host that does not answer is a clear error, and nothing is left open") {
    Sandbox s;
    auto state = s.up({"--ssh"});
    std::string nobody = state.subnet.substr(0, state.subnet.rfind('.')) + ".250";  // in our subnet, no host
    auto target = ssh_target(s, state, nobody);
    auto r = dh(s, {"inject", "partition", "--host", "ghost", "--target", target});
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "cannot reach the host over ssh"));
    CHECK(contains(r.err, nobody));
    auto recovered = dh(s, {"recover"});
    CHECK(json::parse(recovered.out)["reverted"] == 0);
    CHECK(json::parse(recovered.out)["failed"].empty());
}
