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
                           // Fully detached (setsid -f forks); the pid is written by what becomes Patroni.
                           {"start",
                            {"setsid", "-f", "sh", "-c",
                             "echo $$ > " + pidfile +
                                 "; exec setpriv --reuid=postgres --regid=postgres --init-groups patroni " +
                                 m["patroni_config"].get<std::string>() + " >> " + dir +
                                 "/patroni.log 2>&1 < /dev/null"}}}}};
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
    // Both faults on replicas, so nothing fails over underneath the checks.
    std::string leader = current_leader(state), cut_host, stop_host;
    for (const auto &m : state.members)
        if (m.name != leader) (cut_host.empty() ? cut_host : stop_host) = m.name;
    auto liveness = [&](const std::string &of) {
        return http_from(s, leader,
                         state.member(of).rest_url() + "/liveness");  // the HA loop, not PostgreSQL
    };

    auto cut = dh(s, {"inject", "partition", "--host", cut_host, "--target", target});
    REQUIRE_MESSAGE(cut.exit_code == 0, cut.err);
    CHECK(json::parse(cut.out)["record"]["transport"]["kind"] == "ssh");
    CHECK(contains(s.drillhost({"sandbox", "exec", cut_host, "--", "iptables", "-S"}).out, "drillhost:"));
    CHECK(liveness(cut_host) == "000");

    auto stopped =
        dh(s, {"inject", "service", "--host", stop_host, "-p", "service=patroni", "--target", target});
    REQUIRE_MESSAGE(stopped.exit_code == 0, stopped.err);
    CHECK(json::parse(stopped.out)["record"]["backend"]["kind"] == "process");
    CHECK(liveness(stop_host) == "000");

    auto recovered = dh(s, {"recover"});  // the ledger kept the ssh target: no --target needed
    REQUIRE_MESSAGE(recovered.exit_code == 0, recovered.err);
    CHECK(json::parse(recovered.out)["reverted"] == 2);
    CHECK_FALSE(
        contains(s.drillhost({"sandbox", "exec", cut_host, "--", "iptables", "-S"}).out, "drillhost:"));
    CHECK(eventually([&] { return liveness(cut_host) == "200"; }, std::chrono::seconds(15)));
    bool back = eventually([&] { return liveness(stop_host) == "200"; }, std::chrono::seconds(30));
    CHECK_MESSAGE(back,
                  stop_host << "'s Patroni did not come back; its log ends:\n"
                            << shell("tail -n 30 " + (state.member(stop_host).dir / "patroni.log").string())
                            << "processes: " << shell("pgrep -a patroni"));
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
