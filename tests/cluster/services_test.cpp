// The embedded cluster's routing layer (sandbox up --services): HAProxy on every host in front of
// pgbouncer and PostgreSQL, Pigsty's four services, following the leader.
#include <drillhost/core/rto_plan.hpp>
#include <drillhost/sandbox/routing_config.hpp>
#include <drillhost/sandbox/unix_socket.hpp>

#include <chrono>
#include <sstream>
#include <thread>

#include "drill_runs.hpp"
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
