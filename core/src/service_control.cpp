#include <signal.h>
#include <string.h>
#include <drillhost/core/backends.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/service_control.hpp>
#include <drillhost/core/transport.hpp>

#include <algorithm>
#include <thread>

#include "builtin_backends.hpp"

namespace drillhost {
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> actions = {"stop", "start", "kill", "restart", "freeze", "thaw", "status"};
// The services the core's own backends know; a registered backend may serve others.
const std::vector<std::string> known_services = {"patroni",  "postgres", "etcd",
                                                 "watchdog", "haproxy",  "pgbouncer"};

ExecResult checked(const json &transport, const std::vector<std::string> &argv, const std::string &what) {
    auto result = exec_on(transport, argv, std::chrono::seconds(60));
    if (!result.ok())
        throw InfraError(what + " on " + describe_transport(transport) + ": `" + argv[0] + " " + argv[1] +
                         "` " +
                         (result.timed_out ? "timed out" : "exited " + std::to_string(result.exit_code)) +
                         ": " + result.err + result.out);
    return result;
}

// The postmaster's pid from postmaster.pid on the host; 0 when PostgreSQL is not running there.
int postmaster_pid(const json &transport, const std::string &data_dir) {
    auto r = exec_on(transport, {"sh", "-c",
                                 "p=$(head -1 " + shell_quote(data_dir + "/postmaster.pid") +
                                     " 2>/dev/null) && kill -0 \"$p\" 2>/dev/null && echo \"$p\""});
    return r.ok() ? std::atoi(r.out.c_str()) : 0;
}

json control_systemd(const json &backend, const std::string &action, int signo) {
    const json &transport = backend.at("transport");
    std::string service = backend.at("service");
    std::string sig = std::to_string(signo);
    if (service == "postgres") {
        // Patroni runs the postmaster inside its own unit: signals go to the postmaster itself,
        // and "start" is Patroni's job (it starts PostgreSQL again within a loop_wait).
        std::string data_dir = backend.at("data_dir");
        int pid = postmaster_pid(transport, data_dir);
        auto signal_all =
            [&](const std::string &s) {  // the postmaster and its children, as a host freeze would
                if (pid)
                    checked(transport,
                            {"sh", "-c",
                             "kill -" + s + " " + std::to_string(pid) + "; pkill -" + s + " -P " +
                                 std::to_string(pid) + "; true"},
                            "signalling postgres");
            };
        if (action == "stop" && pid)
            checked(transport, {"kill", "-INT", std::to_string(pid)}, "stopping postgres");
        else if (action == "kill" && pid)
            checked(transport, {"kill", "-" + sig, std::to_string(pid)}, "signalling postgres");
        else if (action == "freeze")
            signal_all("STOP");
        else if (action == "thaw")
            signal_all("CONT");
        else if (action == "restart" && pid)  // Patroni starts it again
            checked(transport, {"kill", "-INT", std::to_string(pid)}, "stopping postgres");
        pid = postmaster_pid(transport, data_dir);
        return {{"running", pid != 0}, {"pid", pid}};
    }
    std::string unit = backend.at("unit");
    if (action == "stop" || action == "start" || action == "restart")
        checked(transport, {"systemctl", action, unit}, action + " " + unit);
    else if (action == "kill")
        checked(transport, {"systemctl", "kill", "--kill-who=main", "--signal=" + sig, unit},
                "signalling " + unit);
    else if (action == "freeze" || action == "thaw")
        checked(transport,
                {"systemctl", "kill", "--kill-who=all",
                 "--signal=" + std::string(action == "freeze" ? "SIGSTOP" : "SIGCONT"), unit},
                action + " " + unit);
    auto active = exec_on(transport, {"systemctl", "is-active", unit});
    auto pid = exec_on(transport, {"systemctl", "show", "--property=MainPID", "--value", unit});
    return {{"running", active.out.rfind("active", 0) == 0}, {"pid", std::atoi(pid.out.c_str())}};
}

// Signals through the transport. The pid comes from the pid file each time (it changes on a
// start). Waits run on the host itself, in one command: a round trip per poll over ssh is slow.
json control_process(const json &backend, const std::string &action, int signo) {
    const json &transport = backend.at("transport");
    const std::string service = backend.at("service");
    const std::string pid = "p=$(cat " + shell_quote(backend.at("pidfile")) + " 2>/dev/null); ";
    const std::string alive = "[ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null";
    auto run = [&](const std::string &script, const std::string &what) {
        checked(transport, {"sh", "-c", script}, what + " " + service);
    };
    if (action == "stop" || action == "restart")  // SIGTERM, up to 30 s to exit, then SIGKILL
        run(pid + "if " + alive +
                "; then kill -TERM $p; i=0; while kill -0 $p 2>/dev/null; do i=$((i+1)); "
                "if [ $i -gt 150 ]; then kill -KILL $p; break; fi; sleep 0.2; done; fi",
            "stopping");
    if (action == "start" || action == "restart") {
        if (!backend.contains("start"))
            throw UsageError("no start command for " + service + " on " + describe_transport(transport) +
                             ": add services." + service + ".start to the target");
        auto probe = exec_on(transport, {"sh", "-c", pid + alive});
        if (!probe.ok())
            checked(transport, backend["start"].get<std::vector<std::string>>(), "starting " + service);
        run("i=0; while :; do " + pid + "if " + alive +
                "; then exit 0; fi; i=$((i+1)); if [ $i -gt 150 ]; then exit 1; fi; sleep 0.2; done",
            "waiting for");
    }
    if (action == "kill" || action == "freeze" || action == "thaw") {
        int s = action == "kill" ? signo : action == "freeze" ? SIGSTOP : SIGCONT;
        run(pid + "if " + alive + "; then kill -" + std::to_string(s) + " $p; fi", "signalling");
    }
    auto status = exec_on(transport, {"sh", "-c", pid + alive + " && echo $p"});
    int current = status.ok() ? std::atoi(status.out.c_str()) : 0;
    return {{"running", current != 0}, {"pid", current}};
}

}  // namespace

int signal_number(const std::string &name) {
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
        int n = std::stoi(name);
        if (n > 0 && n < NSIG) return n;
    }
    std::string bare = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
    for (int n = 1; n < NSIG; ++n)
        if (const char *abbrev = sigabbrev_np(n); abbrev && bare == abbrev) return n;
    throw UsageError("unknown signal '" + name + "'; use a name like SIGKILL or SIGTERM, or a number");
}

json service_backend(const json &target, const std::string &host, const std::string &service) {
    if (std::find(known_services.begin(), known_services.end(), service) == known_services.end())
        throw UsageError("unknown service '" + service +
                         "'; one of patroni, postgres, etcd, watchdog, haproxy, pgbouncer");
    json transport = transport_for(target, host);  // throws for an unknown host
    json member = json::object();
    for (const auto &m : target.value("members", json::array()))
        if (m.value("name", "") == host) member = m;
    // What the target says of this very member comes first: a pid file (and a start command) it
    // names for the service, whatever kind the target is (an embedded cluster reached over ssh too).
    json configured = member.value("services", json::object()).value(service, json());
    if (configured.is_object() && configured.contains("pidfile")) {
        json backend = {{"kind", "process"},
                        {"transport", transport},
                        {"service", service},
                        {"pidfile", configured["pidfile"]}};
        if (configured.contains("start")) backend["start"] = configured["start"];
        return backend;
    }
    // Then a registered kind that serves this target (the embedded cluster's supervisor).
    for (const auto &kind : service_backends())
        if (kind->claim)
            if (auto claimed = kind->claim(target, host, service)) return *claimed;
    // A target of a kind of its own that nothing claimed is not a systemd host: guessing would run
    // systemctl against whatever machine its transport reaches (the program must register the
    // kind's backend first, as the CLI does for the embedded cluster).
    std::string target_kind = target.is_object() && target.contains("kind") && target["kind"].is_string()
                                  ? target["kind"].get<std::string>()
                                  : "";
    if (!target_kind.empty())
        throw UsageError("no service backend serves targets of kind '" + target_kind +
                         "'; a target without \"kind\" uses systemd or its members' pid files");
    json backend = {{"kind", "systemd"}, {"transport", transport}, {"service", service}};
    if (service == "postgres") {
        std::string data_dir = member.value("data_dir", "");
        if (data_dir.empty())
            throw UsageError("host '" + host +
                             "': the postgres service needs members[].data_dir in the target (Patroni's "
                             "postgresql.data_dir)");
        backend["data_dir"] = data_dir;
    } else {
        backend["unit"] = target.value("services", json::object()).value(service, service);
    }
    return backend;
}

json control_service(const json &backend, const std::string &action, const std::string &signal) {
    if (std::find(actions.begin(), actions.end(), action) == actions.end())
        throw UsageError("unknown service action '" + action +
                         "'; one of stop, start, kill, restart, freeze, thaw, status");
    int signo = signal_number(signal);
    std::string kind = backend.is_object() ? backend.value("kind", "") : "";
    auto known = find_service_backend(kind);
    if (!known || !known->control) {
        std::string names;
        for (const auto &name : service_backend_names()) names += (names.empty() ? "" : ", ") + name;
        throw UsageError("service backend " + backend.dump() + ": \"kind\" must be one of " + names);
    }
    return known->control(backend, action, signo);
}

std::vector<ServiceBackendKind> builtin_service_backends() {
    return {{"systemd", {}, control_systemd}, {"process", {}, control_process}};
}

}  // namespace drillhost
