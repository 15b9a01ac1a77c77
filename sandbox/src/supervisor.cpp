#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>
#include <drillhost/sandbox/supervisor.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "rest_tls.hpp"
#include "ssh_access.hpp"

namespace drillhost::sandbox {
namespace fs = std::filesystem;
using nlohmann::json;

static const char *const pg_bin_dir = "/usr/lib/postgresql/15/bin";

std::string patroni_config(const SandboxState &state, const Member &member) {
    const auto &o = state.options;
    json dcs_hosts = json::array();
    for (const auto &m : state.members)
        if (m.runs_etcd && (!o.local_dcs_only || m.name == member.name))
            dcs_hosts.push_back(m.address + ":" + std::to_string(m.etcd_client_port));
    std::string pg_listen = member.address + ":" + std::to_string(member.pg_port);
    json config = {
        {"scope", o.scope},
        {"name", member.name},
        {"restapi",
         {{"listen", member.address + ":" + std::to_string(member.rest_port)},
          {"connect_address", member.address + ":" + std::to_string(member.rest_port)}}},
        // use_proxies: Patroni must not learn the other etcd members and fail over to them when it
        // may only talk to its own host's member.
        {o.dcs,
         o.local_dcs_only ? json{{"hosts", dcs_hosts}, {"use_proxies", true}} : json{{"hosts", dcs_hosts}}},
        {"bootstrap",
         {{"dcs",
           {{"ttl", o.ttl},
            {"loop_wait", o.loop_wait},
            {"retry_timeout", o.retry_timeout},
            {"maximum_lag_on_failover", 1048576},
            {"synchronous_mode", o.synchronous_mode},
            {"failsafe_mode", o.failsafe_mode},
            {"postgresql",
             {{"use_pg_rewind", true},
              {"use_slots", true},
              {"parameters",
               {{"wal_level", "replica"},
                {"hot_standby", "on"},
                {"wal_log_hints", "on"},
                {"max_wal_senders", 10},
                {"max_replication_slots", 10},
                {"wal_keep_size", "128MB"}}}}}}},
          {"initdb", json::array({{{"encoding", "UTF8"}}, "data-checksums"})}}},
        {"postgresql",
         {{"listen", pg_listen},
          {"connect_address", pg_listen},
          {"data_dir", member.data_dir().string()},
          {"bin_dir", pg_bin_dir},
          {"pgpass", (member.dir / "pgpass").string()},
          {"authentication",
           {{"superuser", {{"username", state.superuser}, {"password", state.superuser_password}}},
            {"replication", {{"username", state.replication_user}, {"password", state.replication_password}}},
            {"rewind", {{"username", state.superuser}, {"password", state.superuser_password}}}}},
          {"pg_hba", json::array({"local all all trust", "host all all 127.0.0.1/32 md5",
                                  "host replication " + state.replication_user + " " + state.subnet + " md5",
                                  "host all all " + state.subnet + " md5",
                                  "host replication " + state.replication_user + " 127.0.0.1/32 md5"})},
          {"parameters",
           {{"unix_socket_directories", member.socket_dir().string()},
            {"max_connections", 100},
            {"shared_buffers", "32MB"}}}}},
        {"tags", json::object()},
    };
    if (o.rest_tls) {
        config["restapi"]["certfile"] = rest_server_cert(state).string();
        config["restapi"]["keyfile"] = rest_server_key(state).string();
        config["ctl"] = {{"cacert", state.rest_cacert().string()}};  // Patroni's calls to other members
    }
    if (o.rest_auth)
        config["restapi"]["authentication"] = {{"username", state.rest_username},
                                               {"password", state.rest_password}};
    if (o.watchdog)
        config["watchdog"] = {{"mode", "required"},
                              {"driver", "testing"},
                              {"device", member.watchdog_fifo().string()},
                              {"safety_margin", 5}};
    else
        config["watchdog"] = {{"mode", "off"}};
    return config.dump(2);
}

Supervisor::Supervisor(fs::path state_dir, SandboxState &state)
    : state_dir_(std::move(state_dir)), state_(state) {}

void Supervisor::save() const {
    save_state(state_dir_, state_);
}

std::vector<std::string> Supervisor::on_host(const Member &member, std::vector<std::string> argv,
                                             bool as_postgres) const {
    std::vector<std::string> prefix;
    if (!member.netns.empty()) prefix = {"ip", "netns", "exec", member.netns};
    if (as_postgres && ::geteuid() == 0)  // PostgreSQL refuses to run as root
        for (const char *word : {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"})
            prefix.push_back(word);
    prefix.insert(prefix.end(), argv.begin(), argv.end());
    return prefix;
}

std::vector<std::string> Supervisor::service_argv(const Member &m, const std::string &service) const {
    const auto &o = state_.options;
    if (service == "patroni") {
        std::vector<std::string> argv = state_.patroni.patroni;
        if (argv.empty()) argv = {"patroni"};  // a state file written before --patroni existed
        argv.push_back(m.patroni_config().string());
        return on_host(m, argv, true);
    }
    if (service == "etcd") {
        std::string cluster;
        for (const auto &peer : state_.members)
            if (peer.runs_etcd)
                cluster += (cluster.empty() ? "" : ",") + peer.name + "=http://" + peer.address + ":" +
                           std::to_string(peer.etcd_peer_port);
        std::string client = m.etcd_url();
        std::string peer = "http://" + m.address + ":" + std::to_string(m.etcd_peer_port);
        std::vector<std::string> argv = {"etcd",
                                         "--name=" + m.name,
                                         "--data-dir=" + m.etcd_dir().string(),
                                         "--listen-client-urls=" + client,
                                         "--advertise-client-urls=" + client,
                                         "--listen-peer-urls=" + peer,
                                         "--initial-advertise-peer-urls=" + peer,
                                         "--initial-cluster=" + cluster,
                                         "--initial-cluster-state=new",
                                         "--initial-cluster-token=drillhost-" + o.scope};
        if (o.dcs == "etcd") argv.push_back("--enable-v2=true");  // Patroni's etcd: driver speaks v2
        return on_host(m, argv, true);
    }
    if (service == "sshd") return on_host(m, sshd_argv(state_, m), false);
    // The routing layer (--services): in the foreground, logging to the supervisor's capture.
    // pgbouncer refuses to run as root; HAProxy binds the service ports as root and needs no more.
    if (service == "pgbouncer") return on_host(m, {"pgbouncer", m.pgbouncer_config().string()}, true);
    // One process in the foreground (-db, no -W master): the pid the supervisor holds is the one
    // that serves, so a SIGKILL from `sandbox down` leaves no worker behind.
    if (service == "haproxy") return on_host(m, {"haproxy", "-db", "-f", m.haproxy_config().string()}, false);
    if (service == "watchdog") {
        // The monitor plays the kernel: it stays outside the host, as root, and is drillhost itself.
        const char *self = std::getenv("DRILLHOST_BIN");
        std::string exe = self && *self ? self : fs::read_symlink("/proc/self/exe").string();
        return {exe, "--state-dir", state_dir_.string(), "sandbox", "watchdog-monitor", m.name};
    }
    throw UsageError("no service '" + service +
                     "' runs under the supervisor; services: etcd, patroni, postgres, watchdog, pgbouncer, "
                     "haproxy");
}

pid_t Supervisor::pid(const std::string &member, const std::string &service) const {
    if (service == "postgres") {
        std::ifstream pid_file(state_.member(member).data_dir() / "postmaster.pid");
        pid_t pid = 0;
        return pid_file >> pid ? pid : 0;
    }
    auto it = state_.pids.find(member + "/" + service);
    return it == state_.pids.end() ? 0 : it->second;
}

bool Supervisor::running(const std::string &member, const std::string &service) const {
    return process_alive(pid(member, service));
}

void Supervisor::start(const std::string &member, const std::string &service) {
    const Member &m = state_.member(member);
    if (running(member, service)) return;
    if (service == "postgres") {
        // By hand, as an operator would before Patroni adopts it (seed case 3).
        run_checked(on_host(m,
                            {std::string(pg_bin_dir) + "/pg_ctl", "start", "-w", "-D", m.data_dir().string(),
                             "-l", m.log("postgres").string()},
                            true),
                    "starting postgres on " + member, std::chrono::seconds(60));
        return;
    }
    std::vector<std::string> argv = service_argv(m, service);
    argv.insert(argv.begin(), "setsid");  // its own session: our Ctrl-C is not its Ctrl-C
    pid_t pid = start_service(argv, m.log(service), {{"HOME", m.dir.string()}});
    // setsid(1) leaves our process group a moment after exec. Until it has, the service dies with
    // our group, and a drillhost worker's group is killed when the worker ends (so that nothing it
    // started outlives it): a Patroni started by a revert in a worker could go with it. So the
    // service is started once it leads a group of its own (or has died, which the caller sees).
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
         ::getpgid(pid) != pid && process_alive(pid) && std::chrono::steady_clock::now() < until;)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    state_.pids[member + "/" + service] = pid;
    std::ofstream(m.dir / (service + ".pid")) << pid << '\n';  // for the watchdog monitor
    save();
}

void Supervisor::kill(const std::string &member, const std::string &service, int signo) {
    pid_t target = pid(member, service);
    if (!process_alive(target))
        throw InfraError(service + " is not running on " + member + " (pid " + std::to_string(target) + ")");
    if (::kill(target, signo) != 0)
        throw InfraError("cannot signal " + service + " on " + member + ": " + std::strerror(errno));
}

void Supervisor::stop(const std::string &member, const std::string &service,
                      std::chrono::milliseconds grace) {
    pid_t target = pid(member, service);
    if (!process_alive(target)) return;
    if (service == "postgres") {
        const Member &m = state_.member(member);
        run_command(
            on_host(m,
                    {std::string(pg_bin_dir) + "/pg_ctl", "stop", "-m", "fast", "-D", m.data_dir().string()},
                    true),
            grace);
    } else {
        ::kill(target, SIGCONT);  // a frozen process cannot act on SIGTERM
        ::kill(target, SIGTERM);
    }
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (process_alive(target) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!process_alive(target)) return;
    ::kill(target, SIGKILL);
    // SIGKILL is delivered, not done: a Python with threads takes some milliseconds to exit, and a
    // start right after this would see the old process still alive and start nothing (the crash
    // test of an unconfirmed Patroni stop left the member without Patroni that way).
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
         process_alive(target) && std::chrono::steady_clock::now() < until;)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (process_alive(target))
        throw InfraError(service + " on " + member + " (pid " + std::to_string(target) +
                         ") outlived SIGKILL by 5 s");
}

void Supervisor::restart(const std::string &member, const std::string &service) {
    stop(member, service);
    start(member, service);
}

}  // namespace drillhost::sandbox
