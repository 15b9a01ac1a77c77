// A Pigsty-shaped cluster drilled as a real one would be: the embedded cluster with the Pigsty
// profile and sshd, a Pigsty inventory written for it, imported with `drillhost target import`, and
// drills run through that target (ssh as a non-root admin with sudo, REST basic auth, the
// services), not through the sandbox's state file; their verdicts match the same drills run
// through the sandbox shortcut. The hosts have no systemd, so the target names the process backend.
#include <pwd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "drill_runs.hpp"

namespace {

// The inventory a Pigsty user would have for this cluster (conf/ha/*.yml's shape).
std::string inventory_for(const sb::SandboxState &state) {
    std::ostringstream yaml;
    yaml << "all:\n  children:\n    etcd:\n      hosts:\n";
    int seq = 0;
    for (const auto &m : state.members)
        if (m.runs_etcd) yaml << "        " << m.address << ": { etcd_seq: " << ++seq << " }\n";
    yaml << "    " << state.options.scope << ":\n      hosts:\n";
    std::string leader = current_leader(state);
    for (size_t i = 0; i < state.members.size(); ++i) {
        const auto &m = state.members[i];
        yaml << "        " << m.address << ": { pg_seq: " << i + 1
             << ", pg_role: " << (m.name == leader ? "primary" : "replica") << ", pg_data: \""
             << m.data_dir().string() << "\" }\n";
    }
    yaml << "      vars: { pg_cluster: " << state.options.scope << ", pg_rto: " << state.options.rto_plan
         << " }\n"
         << "  vars:\n"
         << "    pg_namespace: /service\n"  // the sandbox's Patroni keeps Patroni's default namespace
         << "    node_admin_username: " << state.admin_user << "\n"
         << "    patroni_username: \"" << state.rest_username << "\"\n"
         << "    patroni_password: \"" << state.rest_password << "\"\n"
         << "    pg_admin_username: \"" << state.superuser << "\"\n"
         << "    pg_admin_password: \"" << state.superuser_password << "\"\n"
         << "    haproxy_admin_password: \"" << state.haproxy_password << "\"\n";
    return yaml.str();
}

}  // namespace

TEST_CASE(
    "pigsty profile: imported from an inventory, drilled over ssh with sudo, as the sandbox shortcut says") {
    Sandbox s;
    // Patroni's timing by hand (the plan's ttl 20 would double the test's time): the profile keeps it.
    auto state =
        s.up({"--profile", "pigsty", "--ssh", "--ttl", "10", "--loop-wait", "1", "--retry-timeout", "3"});
    REQUIRE(state.members.size() == 3);
    CHECK(state.members[0].name == "pg-test-1");
    CHECK(state.options.failsafe_mode);
    CHECK(state.options.services);
    CHECK(state.rest_username == "postgres");
    CHECK(state.admin_user == "drillhost-dba");
    CHECK(::getpwnam("drillhost-dba") != nullptr);
    CHECK(state.options.ttl == 10);

    auto inventory = s.dir.path() / "pigsty.yml";
    std::ofstream(inventory) << inventory_for(state);
    auto imported =
        s.drillhost({"--format", "json", "target", "import", "--pigsty", inventory.string(), "--cluster",
                     "pg-test", "--ssh-key", (state.base_dir / "ssh" / "id_ed25519").string(),
                     "--known-hosts", (state.base_dir / "ssh" / "known_hosts").string()});
    REQUIRE_MESSAGE(imported.exit_code == 0, imported.err);
    auto target = nlohmann::json::parse(imported.out);
    CHECK(target["ssh"]["user"] == "drillhost-dba");
    CHECK(target["ssh"]["sudo"] == true);
    CHECK(target["members"][1]["routing"]["stats_url"] == state.members[1].haproxy_stats_url());
    // No systemd in the hosts: Patroni, HAProxy and pgbouncer by pid file, started as the sandbox
    // starts them (node-lost kills a node's routing with it).
    for (auto &m : target["members"]) {
        const auto &member = state.member(m["name"]);
        std::string dir = member.dir.string();
        auto by_pidfile = [&](const std::string &service, bool as_postgres, const std::string &command) {
            std::string pidfile = dir + "/" + service + ".pid";
            return nlohmann::json{
                {"pidfile", pidfile},
                {"start",
                 {"setsid", "-f", "sh", "-c",
                  "echo $$ > " + pidfile + "; exec " +
                      (as_postgres ? "setpriv --reuid=postgres --regid=postgres --init-groups " : "") +
                      command + " >> " + dir + "/" + service + ".log 2>&1 < /dev/null"}}};
        };
        m["services"] = {
            {"patroni", by_pidfile("patroni", true, "patroni " + member.patroni_config().string())},
            {"haproxy", by_pidfile("haproxy", false, "haproxy -db -f " + member.haproxy_config().string())},
            {"pgbouncer", by_pidfile("pgbouncer", true, "pgbouncer " + member.pgbouncer_config().string())}};
    }
    auto target_file = s.dir.path() / "pg-test.json";
    std::ofstream(target_file) << target.dump(2);

    // Over ssh as the admin user: sudo -n runs the injectors' commands as root.
    auto whoami = s.drillhost({"sandbox", "exec", state.members[0].name, "--", "su", "-s", "/bin/sh",
                               "drillhost-dba", "-c", "sudo -n id -u"});
    CHECK(whoami.out == "0\n");
    // The client key logs in as root and the admin user only, not as any account with a shell.
    auto ssh_as = [&](const std::string &user) {
        return shell("ssh -o BatchMode=yes -o ConnectTimeout=5 -i " +
                     (state.base_dir / "ssh" / "id_ed25519").string() +
                     " -o UserKnownHostsFile=" + (state.base_dir / "ssh" / "known_hosts").string() + " " +
                     user + "@" + state.members[0].address + " echo in 2>/dev/null");
    };
    CHECK(ssh_as("drillhost-dba") == "in\n");
    CHECK(ssh_as("postgres").empty());

    // The drills: node-lost here; scripts/pigsty-e2e.sh gives the failover family and
    // failover-with-load (DRILLHOST_PIGSTY_DRILLS), too long for the test command's budget.
    std::vector<std::string> drills;
    std::istringstream names(std::getenv("DRILLHOST_PIGSTY_DRILLS") ? std::getenv("DRILLHOST_PIGSTY_DRILLS")
                                                                    : "primary-down-node-lost");
    for (std::string name; names >> name;) drills.push_back(name);
    for (const auto &drill : drills) {
        INFO(drill);
        // The sandbox shortcut first: its supervisor restarts Patroni and writes the pid file the
        // imported target's process backend then reads.
        auto shortcut = run_drill(s, {drill});
        INFO(shortcut.dump());
        auto through_import = dh(s, {"run", drill, "--target", target_file.string()});
        auto via_import = nlohmann::json::parse(through_import.out, nullptr, false);
        REQUIRE_MESSAGE(via_import.is_object(), through_import.out << through_import.err);
        const auto &imported = via_import["drills"][0];
        INFO(imported.dump());
        CHECK(imported["outcome"] == "passed");
        CHECK(imported["faults_left_open"] == 0);
        CHECK(shortcut["outcome"] == imported["outcome"]);
        CHECK(has_measurement(imported, "service_unavailability"));
        // Every drill here changes the leader: the services' routing was watched and followed it.
        CHECK(has_measurement(imported, "service_routed"));
        CHECK(verdict(imported, "the primary service followed the new leader") == "pass");
        // Every check both made has the same verdict (the imported target cannot read the sandbox's
        // etcd over plain HTTP as Pigsty's https, so the DCS-based split may be missing there).
        for (const auto &a : imported["assertions"]) {
            std::string other = verdict(shortcut, a["name"]);
            if (other != "absent") CHECK_MESSAGE(other == a["verdict"], a["name"]);
        }
    }
}
