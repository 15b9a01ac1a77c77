#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>
#include <drillhost/sandbox/http_get.hpp>
#include <drillhost/sandbox/network.hpp>
#include <drillhost/sandbox/patroni_install.hpp>
#include <drillhost/sandbox/replica_lag.hpp>
#include <drillhost/sandbox/routing_config.hpp>
#include <drillhost/sandbox/sandbox.hpp>
#include <drillhost/sandbox/supervisor.hpp>
#include <drillhost/sandbox/unix_socket.hpp>

#include <algorithm>
#include <boost/process.hpp>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "admin_user.hpp"
#include "haproxy_stats.hpp"
#include "rest_tls.hpp"
#include "ssh_access.hpp"

namespace drillhost::sandbox {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string random_secret() {
    std::random_device random;
    std::string secret;
    for (int i = 0; i < 24; ++i) secret += "0123456789abcdef"[random() % 16];
    return secret;
}

// Patroni itself is checked by resolve_patroni and probe_patroni_version.
void check_installed(const SandboxOptions &options) {
    std::vector<std::string> programs = {"etcd", "setsid", "/usr/lib/postgresql/15/bin/postgres"};
    if (options.services) programs.insert(programs.end(), {"haproxy", "pgbouncer"});
    for (const auto &program : programs) {
        if (program.find('/') != std::string::npos) {
            if (!fs::exists(program))
                throw InfraError(program + " is missing; install the Debian package postgresql-15");
            continue;
        }
        if (boost::process::search_path(program).empty())
            throw InfraError("`" + program + "` is not installed; install the Debian package " +
                             package_for(program));
    }
    if (!run_command({"/usr/bin/python3", "-c", "import etcd"}).ok())
        throw InfraError("Patroni's etcd drivers need the Debian package python3-etcd");
}

bool port_free(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int reuse = 1;  // as the services themselves do: a TIME_WAIT leftover is not "in use"
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool free = ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    ::close(fd);
    return free;
}

}  // namespace

void apply_profile(SandboxOptions &options, const std::set<std::string> &given) {
    if (options.profile != "pigsty") return;
    options.services = true;
    options.failsafe_mode = true;  // in every template Pigsty ships
    options.rest_auth = true;      // patroni_username on the REST API's writes
    if (!given.count("scope")) options.scope = "pg-test";
    // Patroni's timing from the plan, unless asked for by value.
    if (auto plan = named_rto_plan(options.rto_plan)) {
        if (!given.count("ttl")) options.ttl = static_cast<int>(plan->ttl);
        if (!given.count("loop_wait")) options.loop_wait = static_cast<int>(plan->loop_wait);
        if (!given.count("retry_timeout")) options.retry_timeout = static_cast<int>(plan->retry_timeout);
    }
}

namespace {

SandboxState plan(const fs::path &state_dir, const SandboxOptions &options) {
    if (options.members < 1 || options.members > 9) throw UsageError("--members must be between 1 and 9");
    if (options.dcs != "etcd" && options.dcs != "etcd3") throw UsageError("--dcs must be etcd or etcd3");
    if (options.loop_wait + 2 * options.retry_timeout > options.ttl)
        throw UsageError("--ttl " + std::to_string(options.ttl) + " is too short for --loop-wait " +
                         std::to_string(options.loop_wait) + " and --retry-timeout " +
                         std::to_string(options.retry_timeout) +
                         ": Patroni needs loop_wait + 2 * retry_timeout <= ttl");
    if (!options.profile.empty() && options.profile != "pigsty")
        throw UsageError("--profile \"" + options.profile + "\": the one profile is pigsty");
    // A veth's host end is dhv-<member>, and an interface name has at most 15 characters.
    if (options.profile == "pigsty" && options.scope.size() + 2 > 11)
        throw UsageError("--profile pigsty: the cluster name \"" + options.scope +
                         "\" is too long for the sandbox's interfaces (at most 9 characters)");
    if (options.services && !named_rto_plan(options.rto_plan))
        throw UsageError("--rto-plan \"" + options.rto_plan + "\": one of fast, norm, safe, wide");
    SandboxState state;
    state.options = options;
    state.patroni = resolve_patroni(options.patroni);
    state.base_dir = state_dir / "sandbox";
    state.superuser_password = random_secret();
    state.replication_password = random_secret();
    if (options.rest_auth) {
        state.rest_username =
            options.profile == "pigsty" ? "postgres" : "drillhost";  // Pigsty's patroni_username
        state.rest_password = random_secret();
    }
    state.fallback_reason = namespaces_unavailable_reason();
    state.mode = state.fallback_reason.empty() ? "netns" : "loopback";
    // Every host's HAProxy binds the same service ports on its own address: one address for all
    // would need ports Pigsty's layout does not have.
    if (options.services && state.mode == "loopback")
        throw UsageError("--services needs network namespaces (" + state.fallback_reason + ")");
    if (options.services) state.haproxy_password = random_secret();
    if (options.ssh && options.profile == "pigsty") state.admin_user = sandbox_admin_user;
    for (int i = 0; i < options.members; ++i) {
        Member m;
        // Pigsty names a member <pg_cluster>-<pg_seq>; the sandbox's own are pg-N.
        m.name =
            (options.profile == "pigsty" ? options.scope + "-" : std::string("pg-")) + std::to_string(i + 1);
        m.rest_tls = options.rest_tls;
        m.dir = state.base_dir / m.name;
        // With namespaces only the first three hosts run etcd; a DCS client on every node needs one each.
        m.runs_etcd = i < 3 || options.local_dcs_only;
        if (state.mode == "loopback") {
            m.address = "127.0.0.1";
            m.pg_port = 15432 + i;
            m.rest_port = 18008 + i;
            m.etcd_client_port = 12379 + 10 * i;
            m.etcd_peer_port = 12380 + 10 * i;
            for (int port : {m.pg_port, m.rest_port, m.etcd_client_port, m.etcd_peer_port})
                if (!port_free(port))
                    throw UsageError("port " + std::to_string(port) +
                                     " on 127.0.0.1 is already in use; stop what "
                                     "holds it (ss -ltnp sport = :" +
                                     std::to_string(port) + ")");
        }
        state.members.push_back(std::move(m));
    }
    if (state.mode == "netns")
        state.subnet = choose_subnet(options.subnet);
    else
        state.subnet = "127.0.0.1/32";
    return state;
}

// HAProxy's and pgbouncer's files for one member (--services). pgbouncer runs as postgres and reads
// the superuser's password from its auth file: that file is the postgres user's alone.
void write_routing_files(const SandboxState &state, const Member &m, const struct passwd *postgres) {
    RoutingFiles files{m.haproxy_socket(), m.pgbouncer_auth(), m.socket_dir()};
    {
        std::ofstream cfg(m.haproxy_config());  // holds the stats page's password: root's alone
        fs::permissions(m.haproxy_config(), fs::perms::owner_read | fs::perms::owner_write);
        cfg << render_haproxy_cfg(state, m, *named_rto_plan(state.options.rto_plan), files);
    }
    std::ofstream(m.pgbouncer_config()) << render_pgbouncer_ini(state, m, files);
    {
        std::ofstream auth(m.pgbouncer_auth());
        fs::permissions(m.pgbouncer_auth(), fs::perms::owner_read | fs::perms::owner_write);
        auth << pgbouncer_auth_line(state.superuser, state.superuser_password);
    }
    if (::geteuid() == 0 && postgres)
        for (const auto &path : {m.pgbouncer_config(), m.pgbouncer_auth()})
            if (::chown(path.c_str(), postgres->pw_uid, postgres->pw_gid) != 0)
                throw InfraError("cannot hand " + path.string() + " to the postgres user");
}

// The member whose Patroni says it is the primary; "" when not exactly one does.
std::string current_leader(const SandboxState &state) {
    std::vector<std::string> leaders;
    for (const auto &m : state.members) {
        auto body = json::parse(
            http_get(m.rest_url() + "/patroni", std::chrono::milliseconds(1000), state.rest_cacert()).body,
            nullptr, false);
        std::string role = body.is_object() ? body.value("role", "") : "";
        if (role == "master" || role == "primary") leaders.push_back(m.name);
    }
    return leaders.size() == 1 ? leaders.front() : "";
}

// Whom a service admits once every health check has run, as Patroni answers its check path with the
// cluster healthy: /primary the leader, /replica the others, /read-only everyone.
std::vector<std::string> expected_routes(const SandboxState &state, const RoutedService &service,
                                         const std::string &leader) {
    std::vector<std::string> names;
    for (const auto &m : state.members)
        if (service.check == "/read-only" || (service.check == "/primary") == (m.name == leader))
            names.push_back(m.name);
    return names;
}

std::string joined(const std::vector<std::string> &names) {
    std::string text;
    for (const auto &name : names) text += (text.empty() ? "" : ",") + name;
    return text.empty() ? "nobody" : text;
}

// "" once every member's HAProxy routes each service to the members its check admits, as its stats
// socket says; else the first that does not yet. HAProxy starts a server as up and marks it down
// only after `fall` failed checks, so a fresh HAProxy routes every service to everyone at first.
std::string routing_ready(const SandboxState &state, const Supervisor &supervisor,
                          const std::string &leader) {
    for (const auto &m : state.members) {
        for (const char *service : {"pgbouncer", "haproxy"})
            if (!supervisor.running(m.name, service))
                throw InfraError(std::string(service) + " on " + m.name + " exited; its log " +
                                 m.log(service).string() + " ends:\n" + tail_of(m.log(service)));
        auto csv = unix_socket_exchange(m.haproxy_socket(), "show stat\n", std::chrono::milliseconds(1000));
        if (!csv) return "HAProxy on " + m.name + " does not answer on its stats socket yet";
        auto seen = drillhost::probes::parse_show_stat(*csv);
        for (const auto &service : pigsty_services()) {
            const std::string proxy = state.options.scope + "-" + service.suffix;
            auto expected = expected_routes(state, service, leader);
            std::sort(expected.begin(), expected.end());
            auto it = std::find_if(seen.begin(), seen.end(), [&](const auto &s) { return s.name == proxy; });
            if (it == seen.end()) return "HAProxy on " + m.name + " has no " + proxy + " yet";
            auto routes = it->routes_to();
            std::sort(routes.begin(), routes.end());
            if (routes != expected)
                return "HAProxy on " + m.name + " routes " + proxy + " to " + joined(routes) +
                       ", not yet to " + joined(expected);
        }
    }
    return "";
}

void make_directories(const SandboxState &state) {
    fs::create_directories(state.base_dir);
    // Services run as postgres: every directory above theirs must let it through.
    if (::geteuid() == 0)
        for (fs::path dir = state.base_dir; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
            if ((fs::status(dir).permissions() & fs::perms::others_exec) == fs::perms::none)
                throw UsageError(dir.string() +
                                 " is not searchable by other users, so the postgres user cannot reach "
                                 "the sandbox under it; chmod o+x it or choose another --state-dir");
    if (state.options.rest_tls) make_rest_certificates(state);
    if (state.options.ssh) make_ssh_keys(state);
    if (state.options.ssh && state.options.profile == "pigsty") make_admin_user(state);
    struct passwd *postgres = ::getpwnam("postgres");
    for (const auto &m : state.members) {
        for (const auto &dir : {m.dir, m.socket_dir(), m.etcd_dir()}) fs::create_directories(dir);
        std::ofstream(m.patroni_config()) << patroni_config(state, m);
        fs::permissions(m.dir, fs::perms::owner_all);
        if (::geteuid() == 0 && postgres) {
            for (const auto &path : {m.dir, m.socket_dir(), m.etcd_dir(), m.patroni_config()})
                if (::chown(path.c_str(), postgres->pw_uid, postgres->pw_gid) != 0)
                    throw InfraError("cannot hand " + path.string() + " to the postgres user");
            fs::permissions(m.etcd_dir(), fs::perms::owner_all);
        }
        if (state.options.services) write_routing_files(state, m, postgres);
    }
}

// Waits until `ready` says yes, or throws what `why_not` says with the failing member's log.
template <class Ready>
void wait_for(const std::string &what, Clock::time_point deadline, Ready ready) {
    std::string last;
    while (Clock::now() < deadline) {
        last = ready();
        if (last.empty()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw InfraError(what + " not ready in time: " + last);
}

std::string etcd_ready(const SandboxState &state, const Supervisor &supervisor) {
    for (const auto &m : state.members) {
        if (!m.runs_etcd) continue;
        if (!supervisor.running(m.name, "etcd"))
            throw InfraError("etcd on " + m.name + " exited; its log " + m.log("etcd").string() + " ends:\n" +
                             tail_of(m.log("etcd")));
        auto reply = http_get(m.etcd_url() + "/health", std::chrono::milliseconds(500));
        if (reply.status != 200 || reply.body.find("true") == std::string::npos)
            return "etcd on " + m.name + ": " + (reply.status ? reply.body : reply.error);
    }
    return "";
}

// "" once there is one leader and every other member streams from it, within maximum_lag_on_failover.
std::string cluster_ready(const SandboxState &state, const Supervisor &supervisor) {
    std::vector<std::string> leaders;
    std::set<std::string> replicas;
    for (const auto &m : state.members) {
        if (!supervisor.running(m.name, "patroni"))
            throw InfraError("Patroni on " + m.name + " exited; its log " + m.log("patroni").string() +
                             " ends:\n" + tail_of(m.log("patroni")));
        auto reply = http_get(m.rest_url() + "/patroni", std::chrono::milliseconds(500), state.rest_cacert());
        auto body = json::parse(reply.body, nullptr, false);
        if (reply.status == 0 || body.is_discarded())
            return m.name + ": REST API not answering yet" +
                   (reply.error.empty() ? "" : " (" + reply.error + ")");
        if (body.value("state", "") != "running") return m.name + ": " + body.value("state", "starting");
        std::string role = body.value("role", "");
        if (role == "master" || role == "primary")
            leaders.push_back(m.name);
        else
            replicas.insert(m.name);
    }
    if (leaders.size() != 1) return std::to_string(leaders.size()) + " leaders";
    const Member &leader = state.member(leaders[0]);
    auto body = json::parse(
        http_get(leader.rest_url() + "/patroni", std::chrono::milliseconds(2000), state.rest_cacert()).body,
        nullptr, false);
    if (body.is_discarded()) return "leader " + leader.name + " not answering";
    for (const auto &r : body.value("replication", json::array()))
        if (r.value("state", "") == "streaming") replicas.erase(r.value("application_name", ""));
    if (!replicas.empty()) return *replicas.begin() + " is not streaming from " + leader.name + " yet";
    // What a drill's pre-flight asks too: /cluster shows each replica's lag from what it last
    // published, once per loop_wait, so right after it started streaming that can be stale.
    auto get = [&](const std::string &path) {
        return json::parse(
            http_get(leader.rest_url() + path, std::chrono::milliseconds(2000), state.rest_cacert()).body,
            nullptr, false);
    };
    auto config = get("/config"), cluster = get("/cluster");
    if (!config.is_object() || !cluster.is_object()) return "leader " + leader.name + " not answering";
    return replica_lag_problem(config, cluster);
}

// What Patroni made of the timing asked for (GET /config on the leader): 3.2+ raises ttl to 20 and
// shortens loop_wait or retry_timeout to keep loop_wait + 2 x retry_timeout <= ttl.
void record_timing(SandboxState &state) {
    for (const auto &m : state.members) {
        auto config = json::parse(
            http_get(m.rest_url() + "/config", std::chrono::milliseconds(2000), state.rest_cacert()).body,
            nullptr, false);
        if (!config.is_object()) continue;
        state.timing_used = json::object();
        for (const char *key : {"ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover",
                                "synchronous_mode", "synchronous_node_count", "failsafe_mode"})
            if (config.contains(key)) state.timing_used[key] = config[key];
        state.timing_changes.clear();
        const auto &o = state.options;
        for (const auto &[key, asked] : {std::pair{"ttl", o.ttl}, std::pair{"loop_wait", o.loop_wait},
                                         std::pair{"retry_timeout", o.retry_timeout}}) {
            const auto &used = state.timing_used.value(key, json());
            if (used.is_number() && used.get<double>() != asked)
                state.timing_changes.push_back(std::string(key) + " " + std::to_string(asked) + " asked, " +
                                               used.dump() + " used");
        }
        return;
    }
    throw InfraError("no member answered GET /config once the cluster was up");
}

void kill_postmasters(const SandboxState &state) {
    for (const auto &m : state.members) {
        std::ifstream pid_file(m.data_dir() / "postmaster.pid");
        pid_t pid = 0;
        if (pid_file >> pid && pid > 0 && process_alive(pid)) ::kill(pid, SIGKILL);
    }
}

// The namespaces and the bridge are machine-wide, whatever the state dir: this file says which
// state dir's sandbox owns them, so one sandbox is never torn down by `up` from another.
fs::path owner_file() {
    return ::geteuid() == 0 ? "/run/drillhost-sandbox.owner"
                            : fs::temp_directory_path() / "drillhost-sandbox.owner";
}

void claim_network(const fs::path &state_dir) {
    std::ifstream in(owner_file());
    std::string owner;
    if (std::getline(in, owner) && !owner.empty() && fs::path(owner) != state_dir) {
        auto other = load_state(owner);
        if (other && sandbox_alive(*other))
            throw UsageError("a sandbox of another state directory (" + owner +
                             ") is running on this machine; " + "`drillhost --state-dir " + owner +
                             " sandbox down` first");
    }
    std::ofstream(owner_file()) << state_dir.string() << '\n';
}

}  // namespace

bool sandbox_alive(const SandboxState &state) {
    for (const auto &[key, pid] : state.pids)
        if (key.size() > 8 && key.substr(key.size() - 8) == "/patroni" && process_alive(pid)) return true;
    return false;
}

namespace {

// The state file read once, by whoever needs it first; nullopt when there is none or it is
// unreadable (then down removes what it can find).
std::optional<SandboxState> read_state(const fs::path &state_dir, const Progress &progress) {
    try {
        return load_state(state_dir);
    } catch (const InfraError &e) {
        progress(std::string(e.what()) + "; removing what can be found");
        return std::nullopt;
    }
}

bool down_with(const fs::path &state_dir, const std::optional<SandboxState> &state, const Progress &progress);

}  // namespace

bool sandbox_down(const fs::path &state_dir, const Progress &progress) {
    return down_with(state_dir, read_state(state_dir, progress), progress);
}

namespace {

bool down_with(const fs::path &state_dir, const std::optional<SandboxState> &state,
               const Progress &progress) {
    // The network (namespaces, bridge, veths, rules) is machine-wide: when a live sandbox of another
    // state dir owns it, it is not ours to remove, whatever stale state we may hold.
    std::string other_owner;
    {
        std::ifstream in(owner_file());
        std::string owner;
        if (std::getline(in, owner) && !owner.empty() && fs::path(owner) != state_dir) {
            auto other = load_state(owner);
            if (other && sandbox_alive(*other)) other_owner = owner;
        }
    }
    bool own_directory = fs::exists(state_dir / "sandbox");
    if (!other_owner.empty() && !own_directory)
        throw UsageError("the sandbox on this machine belongs to " + other_owner +
                         "; `drillhost --state-dir " + other_owner + " sandbox down` removes it");
    bool leftovers = (other_owner.empty() && network_leftovers()) || own_directory;
    if (!state && !leftovers) return false;
    SandboxState known = state.value_or(SandboxState{});
    if (!other_owner.empty()) {
        // Stale state of ours while another sandbox runs: remove only our own directory.
        for (const auto &[key, pid] : known.pids)
            if (process_alive(pid)) ::kill(pid, SIGKILL);
        std::error_code ec;
        fs::remove_all(state_dir / "sandbox", ec);
        progress("removed this state dir's stale sandbox files; the running sandbox belongs to " +
                 other_owner);
        return true;
    }
    // Down removes, it does not shut down politely: SIGKILL everything we started, then the hosts.
    for (const auto &[key, pid] : known.pids)
        if (process_alive(pid)) ::kill(pid, SIGKILL);
    kill_postmasters(known);
    destroy_network(known);
    if (remove_admin_user()) progress(std::string("removed the admin user ") + sandbox_admin_user);
    std::error_code ec;
    fs::remove_all(state_dir / "sandbox", ec);
    if (ec) throw InfraError("cannot remove " + (state_dir / "sandbox").string() + ": " + ec.message());
    fs::remove(owner_file(), ec);
    progress("sandbox removed");
    return true;
}

}  // namespace

SandboxState sandbox_up(const fs::path &state_dir, const SandboxOptions &options, const Progress &progress,
                        std::chrono::seconds ready_timeout) {
    auto start = Clock::now();
    auto quiet = [](const std::string &) {};
    auto existing = load_state(state_dir);  // an unreadable state file stops up, as it always did
    if (existing && sandbox_alive(*existing))
        throw UsageError("a sandbox is already up (" + state_file(state_dir).string() +
                         "); use it, or `drillhost sandbox down` first");
    if (down_with(state_dir, existing, quiet)) progress("removed what an earlier run left behind");
    check_installed(options);
    SandboxState state = plan(state_dir, options);
    probe_patroni_version(state.patroni);
    if (state.mode == "loopback")
        progress("notice: " + state.fallback_reason + "; members share 127.0.0.1 (no partitions)");
    try {
        claim_network(state_dir);
        if (state.mode == "netns") create_network(state);
        make_directories(state);
        save_state(state_dir, state);
        Supervisor supervisor(state_dir, state);
        for (const auto &m : state.members)
            if (m.runs_etcd) supervisor.start(m.name, "etcd");
        auto deadline = start + ready_timeout;
        wait_for("etcd", deadline, [&] { return etcd_ready(state, supervisor); });
        progress("etcd is up");
        for (const auto &m : state.members) {
            if (options.ssh) supervisor.start(m.name, "sshd");
            if (options.watchdog) {
                // Patroni opens the FIFO for writing: its reader, the monitor, must be there first.
                supervisor.start(m.name, "watchdog");
                wait_for("the watchdog monitor of " + m.name, Clock::now() + std::chrono::seconds(10), [&] {
                    return fs::exists(m.watchdog_fifo()) ? std::string() : std::string("no FIFO yet");
                });
            }
            supervisor.start(m.name, "patroni");
        }
        // Twice in a row: a replica that was just bootstrapped may still restart once.
        int ready_in_a_row = 0;
        try {
            wait_for("the cluster", deadline, [&] {
                std::string why_not = cluster_ready(state, supervisor);
                ready_in_a_row = why_not.empty() ? ready_in_a_row + 1 : 0;
                if (ready_in_a_row == 1) std::this_thread::sleep_for(std::chrono::milliseconds(400));
                return ready_in_a_row >= 2 ? std::string() : why_not.empty() ? "settling" : why_not;
            });
        } catch (const InfraError &e) {
            // Not ready in time: what each Patroni last said is where the reason is.
            std::string logs;
            for (const auto &m : state.members)
                logs +=
                    "\n" + m.name + " (" + m.log("patroni").string() + "):\n" + tail_of(m.log("patroni"), 6);
            throw InfraError(e.what() + logs);
        }
        progress("one leader, every replica streaming, in " +
                 std::to_string(
                     std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()) +
                 " ms");
        record_timing(state);
        save_state(state_dir, state);
        if (options.services) {
            std::string leader = current_leader(state);
            if (leader.empty())  // the routing to wait for is the leader's: there must be one
                throw InfraError("the cluster was ready, then no single member said it leads (GET /patroni)");
            for (const auto &m : state.members) {
                supervisor.start(m.name, "pgbouncer");
                supervisor.start(m.name, "haproxy");
            }
            // HAProxy counts a server up after `rise` good checks, `inter` apart until the first;
            // within what is left of --ready-timeout, the limit of the whole bring-up.
            wait_for("the services", deadline, [&] { return routing_ready(state, supervisor, leader); });
            progress("HAProxy and pgbouncer on every host; " + options.scope + "-primary routes to " +
                     leader + ", every service as Patroni's checks say");
        }
        for (const auto &change : state.timing_changes)
            progress("notice: Patroni " + state.patroni.version + " changed the timing asked for: " + change);
        return state;
    } catch (...) {
        progress("bring-up failed; removing everything it made");
        sandbox_down(state_dir, [](const std::string &) {});
        throw;
    }
}

json cluster_view(const SandboxState &state) {
    std::string tried;
    for (const auto &m : state.members) {
        auto reply =
            http_get(m.rest_url() + "/cluster", std::chrono::milliseconds(2000), state.rest_cacert());
        auto body = json::parse(reply.body, nullptr, false);
        if (reply.status == 200 && body.is_object()) return body;
        tried += "\n  " + m.rest_url() + ": " +
                 (reply.status ? "HTTP " + std::to_string(reply.status) : reply.error);
    }
    throw InfraError("no member answered GET /cluster:" + tried);
}

json routing_view(const SandboxState &state) {
    json hosts = json::array();
    if (!state.options.services) return hosts;
    std::map<std::string, int> ports;
    for (const auto &service : pigsty_services())
        ports[state.options.scope + "-" + service.suffix] = service.port;
    for (const auto &m : state.members) {
        auto csv = unix_socket_exchange(m.haproxy_socket(), "show stat\n", std::chrono::milliseconds(1000));
        if (!csv) {
            hosts.push_back(
                {{"member", m.name}, {"error", "HAProxy does not answer on " + m.haproxy_socket().string()}});
            continue;
        }
        json services = drillhost::probes::to_json(drillhost::probes::parse_show_stat(*csv));
        for (auto &service : services) service["port"] = ports[service.value("service", "")];
        hosts.push_back({{"member", m.name}, {"services", services}});
    }
    return hosts;
}

int sandbox_exec(const SandboxState &state, const std::string &member, const std::vector<std::string> &argv) {
    if (argv.empty()) throw UsageError("sandbox exec: nothing to run (usage: sandbox exec HOST -- CMD...)");
    const Member &m = state.member(member);
    std::vector<std::string> full;
    if (!m.netns.empty()) full = {"ip", "netns", "exec", m.netns};
    full.insert(full.end(), argv.begin(), argv.end());
    auto exe = boost::process::search_path(full[0]);
    if (exe.empty()) throw UsageError("`" + full[0] + "` is not installed");
    boost::process::child child(exe, std::vector<std::string>(full.begin() + 1, full.end()));
    child.wait();
    int status = child.native_exit_code();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace drillhost::sandbox
