// The embedded cluster's routing layer (sandbox up --services): HAProxy on every host in front of
// pgbouncer and PostgreSQL, Pigsty's four services, following the leader.
#include <signal.h>
#include <drillhost/core/rto_plan.hpp>
#include <drillhost/sandbox/routing_config.hpp>
#include <drillhost/sandbox/unix_socket.hpp>

#include <chrono>
#include <sstream>
#include <thread>

#include "drill_runs.hpp"

#include <fstream>
#include "haproxy_stats.hpp"

namespace {

// Each service of one member's HAProxy and whom it routes to, from its stats socket.
std::map<std::string, std::vector<std::string>> routes_on(const sb::SandboxState &state,
                                                          const sb::Member &m) {
    auto csv = sb::unix_socket_exchange(m.haproxy_socket(), "show stat\n", std::chrono::seconds(2));
    REQUIRE_MESSAGE(csv.has_value(), "HAProxy on " << m.name << " does not answer on " << m.haproxy_socket());
    std::map<std::string, std::vector<std::string>> routes;
    for (const auto &service : drillhost::probes::parse_show_stat(*csv))
        routes[service.name.substr(state.options.scope.size() + 1)] = service.routes_to();
    return routes;
}

// `select pg_is_in_recovery()` through a port of a member's address ("t", "f", or "" on failure).
std::string in_recovery_through(const sb::SandboxState &state, const sb::Member &m, int port) {
    std::string out =
        shell("psql 'host=" + m.address + " port=" + std::to_string(port) +
              " user=postgres dbname=postgres connect_timeout=3 password=" + state.superuser_password +
              "' -X -At -c 'select pg_is_in_recovery()' 2>/dev/null");
    return out.substr(0, out.find('\n'));
}

// Routing on every host as Pigsty lays it out, and the state file naming the routing layer.
void check_routing(const Sandbox &s) {
    auto state = s.up({"--services"});
    std::string leader = current_leader(state);
    REQUIRE(!leader.empty());
    std::vector<std::string> all, replicas;
    for (const auto &m : state.members) {
        all.push_back(m.name);
        if (m.name != leader) replicas.push_back(m.name);
    }
    for (const auto &m : state.members) {
        INFO(m.name);
        auto routes = routes_on(state, m);
        CHECK(routes["primary"] == std::vector<std::string>{leader});
        CHECK(routes["default"] == std::vector<std::string>{leader});
        CHECK(routes["replica"] == all);  // /read-only: the leader serves reads too
        CHECK(routes["offline"] == replicas);
        // A client on the primary service (through pgbouncer) and the default one (straight) reaches
        // a writable primary; the offline service a replica.
        CHECK(in_recovery_through(state, m, 5433) == "f");
        CHECK(in_recovery_through(state, m, 5436) == "f");
        CHECK(in_recovery_through(state, m, 5438) == "t");
        CHECK(!in_recovery_through(state, m, 6432).empty());  // pgbouncer on the member itself
    }
    // `sandbox status` shows each service and whom every host routes it to.
    auto status = s.drillhost({"sandbox", "status"});
    std::istringstream lines(status.out);
    std::vector<std::string> primary_row;
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(state.options.scope + "-primary ", 0) == 0) {
            std::istringstream words(line);
            for (std::string w; words >> w;) primary_row.push_back(w);
        }
    CHECK(primary_row ==
          std::vector<std::string>{state.options.scope + "-primary", "5433", leader, leader, leader});
    // The state file names what runs.
    auto state_json = nlohmann::json::parse(std::ifstream(sb::state_file(s.state_dir)));
    CHECK(state_json["options"]["services"] == true);
    CHECK(state_json["members"][0]["routing"]["service_ports"]["primary"] == 5433);
    CHECK(state_json["members"][0]["services"].contains("haproxy"));
    CHECK(state_json["members"][0]["services"].contains("pgbouncer"));
    CHECK(state_json["rto_plan"]["name"] == "fast");

    // The haproxy probe reads every node's stats page and says the same as the stats sockets.
    auto probed = s.drillhost({"--load", plugins, "--format", "json", "probe", "haproxy", "routes"});
    REQUIRE_MESSAGE(probed.exit_code == 0, probed.err);
    auto hosts = nlohmann::json::parse(probed.out)["hosts"];
    REQUIRE(hosts.size() == state.members.size());
    for (const auto &h : hosts) {
        INFO(h.dump());
        CHECK(h["error"].is_null());
        for (const auto &service : h["services"])
            if (service["service"] == state.options.scope + "-primary")
                CHECK(service["routes_to"] == nlohmann::json::array({leader}));
    }
    // A wrong password is a clear error per host, not a crash or a hang.
    auto target = state_json;
    target["credentials"]["haproxy_password"] = "wrong";
    std::string target_path = (s.dir.path() / "wrong-haproxy.json").string();
    std::ofstream(target_path) << target.dump();
    auto refused = s.drillhost(
        {"--load", plugins, "--format", "json", "probe", "haproxy", "routes", "--target", target_path});
    REQUIRE_MESSAGE(refused.exit_code == 0, refused.err);
    CHECK(contains(nlohmann::json::parse(refused.out)["hosts"][0]["error"].get<std::string>(), "HTTP 401"));

    // The writer through the primary service only: its commits are acknowledged, on that route.
    auto wrote = s.drillhost({"--load", plugins, "--format", "json", "probe", "writer", "run", "-p",
                              "service=primary", "-p", "clients=0", "-p", "duration_s=2"});
    REQUIRE_MESSAGE(wrote.exit_code == 0, wrote.err);
    auto writes = nlohmann::json::parse(wrote.out);
    INFO(writes.dump());
    REQUIRE(writes["routes"].size() == 2);
    CHECK(writes["routes"][1]["route"] == "service:primary");
    CHECK(writes["routes"][1]["acknowledged"].get<int>() > 0);
    CHECK(writes["routes"][0]["acknowledged"] == 0);  // no direct client
    CHECK(writes["verify"]["lost"] == 0);
}

}  // namespace

TEST_CASE(
    "services: every host routes primary and default to the leader, replica to all, offline to replicas") {
    {
        Sandbox s;
        check_routing(s);
    }  // the fixture's `down`, then its leftover checks: no HAProxy or pgbouncer may outlive it
    // (a zombie waiting for init to reap it is gone already: only live processes count)
    CHECK(shell("ps -e -o stat=,comm= | awk '$1 !~ /^Z/ && ($2 == \"haproxy\" || $2 == \"pgbouncer\")'")
              .empty());
    Sandbox s;
    auto refused = s.drillhost({"sandbox", "up", "--services", "--rto-plan", "quick"});
    CHECK(refused.exit_code == 2);
    CHECK(contains(refused.err, "--rto-plan"));
}

TEST_CASE("services follow a switchover within downinter + (rise - 1) x fastinter + the check timeout") {
    Sandbox s;
    auto state = s.up({"--services"});
    auto plan = *drillhost::named_rto_plan(state.options.rto_plan);
    double bound_s = plan.downinter + (plan.rise - 1) * plan.fastinter + sb::haproxy_check_timeout_s;
    std::string candidate = switch_leader(s, state, plugins);
    // The switchover returned once Patroni promoted the candidate: the clock starts there.
    auto promoted = std::chrono::steady_clock::now();
    double followed_s = -1;
    while (std::chrono::steady_clock::now() - promoted < std::chrono::seconds(30)) {
        bool all = true;
        for (const auto &m : state.members)
            all = all && routes_on(state, m)["primary"] == std::vector{candidate};
        if (all) {
            followed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - promoted).count();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    MESSAGE("every HAProxy routed the primary service to "
            << candidate << " " << followed_s << " s after the switchover returned; bound " << bound_s
            << " s");
    CHECK(followed_s >= 0);
    CHECK(followed_s <= bound_s);
    for (const auto &m : state.members) CHECK(in_recovery_through(state, m, 5433) == "f");
}

TEST_CASE("drills through the services: failover-with-load and switchover give the client-visible numbers") {
    Sandbox s;
    auto state = s.up({"--services"});
    // The text summary on stdout, the JSON report beside it.
    std::string report_path = (s.dir.path() / "services-report.json").string();
    auto r =
        s.drillhost({"--load", plugins, "run", "failover-with-load", "switchover", "--report", report_path});
    auto report = nlohmann::json::parse(std::ifstream(report_path), nullptr, false);
    REQUIRE_MESSAGE(report.is_object(), r.out << r.err);
    REQUIRE(report["drills"].size() == 2);
    CHECK(report["rto_plan"]["name"] == "fast");
    for (const auto &drill : report["drills"]) {
        INFO(drill.dump());
        CHECK(failed_assertions(drill) == "");
        // Writes through the primary service, beside the direct ones.
        CHECK(has_measurement(drill, "service_unavailability"));
        CHECK(measurement(drill, "service_routed") > 0);
        CHECK(verdict(drill, "the primary service followed the new leader") == "pass");
        // Held against the plan: Pigsty's range for its failure path, with this cluster's ttl.
        CHECK(drill["rto_plan"]["expected"]["ttl"] == 10);
    }
    const auto &load = report["drills"][0];
    CHECK(load["drill"] == "org.drillhost.drill.failover-with-load");
    CHECK(measurement(load, "service_rto") > 0);
    CHECK(measurement(load, "tps_before") > 0);
    CHECK(measurement(load, "tps_after") > 0);
    CHECK(load["rto_plan"]["expected"]["path"] == "leader lost");
    CHECK(load["rto_plan"]["measured"].contains("service_rto"));
    // The service comes back after Patroni promotes: its first write is no earlier than the direct one's.
    CHECK(measurement(load, "service_rto") >= measurement(load, "promoted"));
    CHECK(report["drills"][1]["rto_plan"]["expected"]["path"] == "manual failover");
    // The text summary shows each drill's range beside what it measured.
    INFO(r.out);
    CHECK(contains(r.out, "RTO against the fast plan (Pigsty's range for the failure path, with ttl 10 s"));
    CHECK(contains(r.out,
                   "org.drillhost.drill.failover-with-load: leader lost, expected 10 .. 15 s; measured"));
    CHECK(contains(r.out, "org.drillhost.drill.switchover: manual failover, expected 1 .. 5 s; measured"));
    CHECK(r.exit_code == 0);
}

TEST_CASE("haproxy sampler: a node whose stats page hangs does not slow the sampling of the others") {
    Sandbox s;
    auto state = s.up({"--services"});
    // A stopped HAProxy: the kernel takes the connection, nobody answers, each read of its page
    // waits out the sampler's timeout (300 ms), as a node that died with its network up would.
    const auto &hung = state.members.front();
    pid_t haproxy = state.pids.at(hung.name + "/haproxy");
    REQUIRE(::kill(haproxy, SIGSTOP) == 0);
    auto journal = s.dir.path() / "sampled.jsonl";
    auto r =
        s.drillhost({"--load", plugins, "--load", HOLD_FAULTS_PLUGIN, "run", "hold-faults", "-p", "faults=[]",
                     "-p", "hold_ms=3000", "-p", R"(sample={"probe": "org.drillhost.probe.haproxy"})",
                     "--journal", journal.string()});
    ::kill(haproxy, SIGCONT);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    nlohmann::json sampled;
    std::ifstream lines(journal);
    for (std::string line; std::getline(lines, line);) {
        auto l = nlohmann::json::parse(line, nullptr, false);
        if (l.is_object() && l.value("type", "") == "event" && l.value("name", "") == "sampled")
            sampled = l["details"];
    }
    INFO(sampled.dump());
    REQUIRE(sampled.is_object());
    REQUIRE(sampled["hosts"].size() == state.members.size());
    for (const auto &h : sampled["hosts"]) {
        INFO(h.dump());
        if (h["host"] == hung.name) {
            CHECK(h["failed_reads"] == h["reads"]);
            CHECK(contains(h["last_error"].get<std::string>(), "timed out"));
        } else {
            // 10 Hz for 3 s is 30 reads; read in turn behind a 300 ms timeout, about 10.
            CHECK(h["reads"].get<int>() >= 20);
            CHECK(h["failed_reads"] == 0);
        }
    }
}
