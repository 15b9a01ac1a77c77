#include <signal.h>
#include <string.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/service_control.hpp>
#include <drillhost/core/transport.hpp>
#include <drillhost/sandbox/sandbox_state.hpp>
#include <drillhost/sandbox/supervisor.hpp>

#include <algorithm>

namespace drillhost {
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> actions = {"stop", "start", "kill", "restart", "freeze", "thaw", "status"};

json control_sandbox(const json &backend, const std::string &action, int signo) {
    fs::path state_dir = backend.at("state_dir").get<std::string>();
    auto state = sandbox::load_state(state_dir);
    if (!state) throw InfraError("the embedded cluster at " + state_dir.string() + " is gone");
    std::string member = backend.at("member"), service = backend.at("service");
    sandbox::Supervisor supervisor(state_dir, *state);
    if (action == "stop")
        supervisor.stop(member, service);
    else if (action == "start") {
        if (!supervisor.running(member, service)) supervisor.start(member, service);
    } else if (action == "kill")
        supervisor.kill(member, service, signo);
    else if (action == "restart")
        supervisor.restart(member, service);
    else if (action == "freeze")
        supervisor.freeze(member, service);
    else if (action == "thaw")
        supervisor.thaw(member, service);
    return {{"running", supervisor.running(member, service)}, {"pid", supervisor.pid(member, service)}};
}

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
    const auto &names = sandbox::service_names;
    if (std::find(names.begin(), names.end(), service) == names.end())
        throw UsageError("unknown service '" + service + "'; one of patroni, postgres, etcd");
    json transport = transport_for(target, host);  // throws for an unknown host
    if (target.value("kind", "") == "drillhost-sandbox") {
        fs::path base_dir = target.at("base_dir").get<std::string>();
        return {{"kind", "sandbox"},
                {"state_dir", base_dir.parent_path().string()},
                {"member", host},
                {"service", service}};
    }
    json backend = {{"kind", "systemd"}, {"transport", transport}, {"service", service}};
    if (service == "postgres") {
        std::string data_dir;
        for (const auto &m : target.value("members", json::array()))
            if (m.value("name", "") == host) data_dir = m.value("data_dir", "");
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
    std::string kind = backend.value("kind", "");
    if (kind == "sandbox") return control_sandbox(backend, action, signo);
    if (kind == "systemd") return control_systemd(backend, action, signo);
    throw UsageError("service backend " + backend.dump() + ": \"kind\" must be sandbox or systemd");
}

}  // namespace drillhost
