#include "sandbox_command.hpp"
#include "table.hpp"

#include <spdlog/spdlog.h>
#include <drillhost/sandbox/sandbox.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "cluster_table.hpp"

namespace drillhost::cli {
namespace sb = drillhost::sandbox;
using nlohmann::json;

namespace {

struct SandboxArgs {
    sb::SandboxOptions options;
    double ready_timeout_s = 90;
    std::string host;
    std::vector<std::string> command;
    std::string monitor_member;
};

sb::SandboxState require_state(const GlobalOptions &global) {
    auto state = sb::load_state(global.state_dir);
    if (!state)
        throw UsageError("no sandbox is up (no " + sb::state_file(global.state_dir).string() +
                         "); start one with `drillhost sandbox up`");
    return *state;
}

// One row per service (--services): its port and, for each host, whom that host's HAProxy routes
// it to ("-" for nobody, "?" for a host whose HAProxy did not answer).
void print_routing_table(std::ostream &out, const json &routing) {
    if (routing.empty()) return;
    std::vector<std::string> header = {"Service", "Port"}, services;
    std::map<std::string, int> ports;
    std::map<std::pair<std::string, std::string>, std::string> routes;  // (service, host) -> members
    for (const auto &host : routing) {
        std::string member = host.value("member", "");
        header.push_back(member + " routes to");
        for (const auto &service : host.value("services", json::array())) {
            std::string name = service.value("service", "");
            if (!ports.count(name)) services.push_back(name);
            ports[name] = service.value("port", 0);
            std::string to;
            for (const auto &m : service.value("routes_to", json::array()))
                to += (to.empty() ? "" : ",") + m.get<std::string>();
            routes[{name, member}] = to.empty() ? "-" : to;
        }
    }
    TextTable table(header);
    for (const auto &name : services) {
        std::vector<std::string> row = {name, std::to_string(ports[name])};
        for (const auto &host : routing) {
            auto it = routes.find({name, host.value("member", "")});
            row.push_back(it == routes.end() ? "?" : it->second);
        }
        table.add(row);
    }
    out << '\n';
    table.print(out);
    for (const auto &host : routing)
        if (host.contains("error"))
            out << host.value("member", "") << ": " << host.value("error", "") << '\n';
}

void print_status(const GlobalOptions &global, const sb::SandboxState &state) {
    json cluster = sb::cluster_view(state);
    json routing = sb::routing_view(state);
    if (global.format == Format::json) {
        json status = {{"scope", state.options.scope},
                       {"mode", state.mode},
                       {"dcs", state.options.dcs},
                       {"patroni_version", state.patroni.version},
                       {"timing", {{"used", state.timing_used}, {"changes", state.timing_changes}}},
                       {"cluster", cluster}};
        if (state.options.services) status["routing"] = routing;
        std::cout << status.dump(2) << '\n';
        return;
    }
    print_cluster_table(std::cout,
                        "Cluster: " + state.options.scope + " (" + state.mode + ", " + state.options.dcs +
                            ", " + timing_header(state.patroni.version, state.timing_used) + ")",
                        cluster);
    print_routing_table(std::cout, routing);
}

}  // namespace

std::function<int()> add_sandbox_commands(CLI::App &app, const GlobalOptions &global) {
    auto args = std::make_shared<SandboxArgs>();
    auto *sandbox = app.add_subcommand("sandbox",
                                       "the embedded cluster: hosts in network namespaces running "
                                       "etcd + Patroni + PostgreSQL 15");
    sandbox->require_subcommand(1);
    auto &o = args->options;

    auto *up = sandbox->add_subcommand(
        "up", "build the hosts, start every service, wait for one leader and streaming replicas");
    up->add_option("--members", o.members, "number of hosts")->check(CLI::Range(1, 9))->capture_default_str();
    up->add_option("--dcs", o.dcs, "Patroni's DCS driver")
        ->check(CLI::IsMember({"etcd", "etcd3"}))
        ->capture_default_str();
    up->add_option("--ttl", o.ttl, "leader key TTL, seconds")->capture_default_str();
    up->add_option("--loop-wait", o.loop_wait, "Patroni HA loop period, seconds")->capture_default_str();
    up->add_option("--retry-timeout", o.retry_timeout, "DCS and PostgreSQL retry timeout, seconds")
        ->capture_default_str();
    up->add_flag("--sync", o.synchronous_mode, "synchronous_mode on");
    up->add_flag("--rest-tls", o.rest_tls, "REST API over HTTPS, with a CA made for this sandbox");
    up->add_flag("--rest-auth", o.rest_auth, "basic auth on the REST API's write calls");
    up->add_flag("--ssh", o.ssh, "an sshd in every host (key only), to drive the ssh transport for real");
    up->add_flag("--failsafe", o.failsafe_mode, "failsafe_mode on");
    up->add_flag("--watchdog", o.watchdog,
                 "Patroni's testing watchdog on a FIFO, read by a monitor that resets the host");
    up->add_flag("--local-dcs-only", o.local_dcs_only,
                 "each Patroni talks only to its own host's etcd member");
    up->add_option("--subnet", o.subnet,
                   "private IPv4 /24 for the hosts (default: the first free 10.213.X.0/24)");
    up->add_flag("--services", o.services,
                 "HAProxy and pgbouncer on every host, as Pigsty lays them out: primary 5433, replica 5434, "
                 "default 5436, offline 5438; pgbouncer 6432");
    up->add_option("--rto-plan", o.rto_plan,
                   "with --services: the pg_rto plan whose HAProxy check intervals apply")
        ->check(CLI::IsMember({"fast", "norm", "safe", "wide"}))
        ->capture_default_str();
    up->add_option(
          "--profile", o.profile,
          "pigsty: lay the cluster out as Pigsty does where the sandbox can (its services, failsafe_mode, "
          "REST auth, members pg-test-N, the plan's timing; with --ssh a non-root admin with sudo)")
        ->check(CLI::IsMember({"pigsty"}));
    up->add_option("--patroni", o.patroni,
                   "the Patroni to run: an executable (with patronictl beside it) or a source tree with "
                   "patroni.py (run with /usr/bin/python3); default: Debian's patroni");
    up->add_option("--ready-timeout", args->ready_timeout_s, "seconds to wait for the cluster")
        ->capture_default_str();

    auto *status = sandbox->add_subcommand("status", "patronictl-style table of the running sandbox");
    auto *down =
        sandbox->add_subcommand("down", "remove every process, namespace, veth, bridge, rule and directory");
    auto *exec = sandbox->add_subcommand("exec", "run a command inside a host: sandbox exec HOST -- CMD...");
    exec->add_option("host", args->host, "host (member) name, e.g. pg-1")->required();
    exec->add_option("command", args->command, "the command and its arguments")->required()->expected(-1);
    auto *monitor = sandbox->add_subcommand("watchdog-monitor", "");  // internal: started by `up --watchdog`
    monitor->group("");
    monitor->add_option("member", args->monitor_member)->required();

    return [=, &global]() -> int {
        auto progress = [](const std::string &message) { spdlog::info("sandbox: {}", message); };
        if (*up) {
            std::set<std::string> given;  // what the profile must not override
            for (auto [option, key] : {std::pair{"--ttl", "ttl"}, std::pair{"--loop-wait", "loop_wait"},
                                       std::pair{"--retry-timeout", "retry_timeout"}})
                if (up->count(option) > 0) given.insert(key);
            if (up->count("--rto-plan") > 0 && !args->options.services && args->options.profile.empty())
                throw UsageError(
                    "--rto-plan sets the services' HAProxy check intervals: give it with "
                    "--services or --profile pigsty");
            sb::apply_profile(args->options, given);
            auto started = std::chrono::steady_clock::now();
            auto state = sb::sandbox_up(global.state_dir, args->options, progress,
                                        std::chrono::seconds(static_cast<long>(args->ready_timeout_s)));
            double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            spdlog::info("sandbox: up in {:.1f} s; state in {}", seconds,
                         sb::state_file(global.state_dir).string());
            print_status(global, state);
            return 0;
        }
        if (*status) {
            print_status(global, require_state(global));
            return 0;
        }
        if (*down) {
            if (!sb::sandbox_down(global.state_dir, progress))
                throw UsageError(
                    "no sandbox to tear down: no state file, namespace, bridge or directory of one");
            return 0;
        }
        if (*exec) return sb::sandbox_exec(require_state(global), args->host, args->command);
        if (*monitor) return run_watchdog_monitor_command(global, args->monitor_member);
        return 2;
    };
}

}  // namespace drillhost::cli
