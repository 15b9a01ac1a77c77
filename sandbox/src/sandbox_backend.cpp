#include <drillhost/core/backends.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/sandbox_backend.hpp>
#include <drillhost/sandbox/sandbox_state.hpp>
#include <drillhost/sandbox/supervisor.hpp>

#include <algorithm>

namespace drillhost::sandbox {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::optional<json> claim(const json &target, const std::string &host, const std::string &service) {
    if (!target.is_object() || target.value("kind", "") != "drillhost-sandbox") return std::nullopt;
    if (std::find(service_names.begin(), service_names.end(), service) == service_names.end())
        throw UsageError("unknown service '" + service +
                         "'; one of etcd, patroni, postgres, watchdog, pgbouncer, haproxy");
    transport_for(target, host);  // throws UsageError naming the hosts for an unknown one
    fs::path base_dir = target.at("base_dir").get<std::string>();
    return json{{"kind", "sandbox"},
                {"state_dir", base_dir.parent_path().string()},
                {"member", host},
                {"service", service}};
}

json control(const json &backend, const std::string &action, int signo) {
    fs::path state_dir = backend.at("state_dir").get<std::string>();
    // The pids are read from the state file at every call, not kept: a run's workers, its parent and
    // `drillhost recover` each restart services, and the supervisor saves the new pids there.
    auto state = load_state(state_dir);
    if (!state) throw InfraError("the embedded cluster at " + state_dir.string() + " is gone");
    std::string member = backend.at("member"), service = backend.at("service");
    Supervisor supervisor(state_dir, *state);
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
    else if (action == "thaw" && supervisor.running(member, service))  // nothing stopped: nothing to do
        supervisor.thaw(member, service);
    return {{"running", supervisor.running(member, service)}, {"pid", supervisor.pid(member, service)}};
}

}  // namespace

void register_backend() {
    register_service_backend({"sandbox", claim, control});
}

}  // namespace drillhost::sandbox
