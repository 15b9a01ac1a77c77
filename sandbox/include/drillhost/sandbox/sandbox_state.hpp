// The embedded cluster's description: what `sandbox up` was asked for, and the state file that
// records what it made (hosts, addresses, ports, credentials, directories, pids, logs), which
// `drillhost run` uses as its target and `sandbox down` uses to remove everything.
#pragma once

#include <sys/types.h>
#include <drillhost/sandbox/patroni_install.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace drillhost::sandbox {

struct SandboxOptions {
    int members = 3;
    std::string dcs = "etcd3";  // Patroni's driver: "etcd3" (v3 API) or "etcd" (v2 API)
    // Fast but legal: loop_wait + 2 * retry_timeout <= ttl, so a healthy leader always renews in time.
    int ttl = 10;
    int loop_wait = 1;
    int retry_timeout = 3;
    bool synchronous_mode = false;
    bool failsafe_mode = false;
    bool watchdog = false;
    bool local_dcs_only = false;  // each Patroni talks to its own host's etcd member only
    bool rest_tls = false;        // REST API over HTTPS, with a certificate from a CA made for the sandbox
    bool rest_auth = false;       // basic auth on the REST API's write calls
    bool ssh = false;             // an sshd in every host, to drive the ssh transport for real
    std::string subnet;           // "10.213.7.0/24"; empty: the first free candidate
    std::string scope = "drillhost";
    std::string patroni;  // --patroni: an executable or a source tree; "" for Debian's
    // --services: HAProxy and pgbouncer on every host, Pigsty's routing layer (routing_config.hpp),
    // health-checked at the intervals of the pg_rto plan `rto_plan` names.
    bool services = false;
    std::string rto_plan = "fast";
    // --profile pigsty: laid out as Pigsty lays a cluster out where the sandbox can (apply_profile).
    std::string profile;
};

struct Member {
    std::string name;     // "pg-1"
    std::string netns;    // "dh-pg-1"; empty in loopback mode
    std::string address;  // its own address (loopback mode: 127.0.0.1)
    int pg_port = 5432;
    int rest_port = 8008;
    bool rest_tls = false;
    bool runs_etcd = false;
    int etcd_client_port = 2379;
    int etcd_peer_port = 2380;
    std::filesystem::path dir;  // everything of this member: configs, data, logs
    std::filesystem::path data_dir() const { return dir / "data"; }
    std::filesystem::path etcd_dir() const { return dir / "etcd"; }
    std::filesystem::path patroni_config() const { return dir / "patroni.yml"; }
    std::filesystem::path socket_dir() const { return dir / "run"; }
    std::filesystem::path watchdog_fifo() const { return dir / "watchdog.fifo"; }
    std::filesystem::path log(const std::string &service) const { return dir / (service + ".log"); }
    std::filesystem::path haproxy_config() const { return dir / "haproxy.cfg"; }
    std::filesystem::path haproxy_socket() const { return socket_dir() / "haproxy.sock"; }
    std::string haproxy_stats_url() const;  // http://<address>:9101/haproxy/<name>/, as Pigsty 4
    std::filesystem::path pgbouncer_config() const { return dir / "pgbouncer.ini"; }
    std::filesystem::path pgbouncer_auth() const { return dir / "pgbouncer.users"; }
    std::string rest_url() const {
        return (rest_tls ? "https://" : "http://") + address + ":" + std::to_string(rest_port);
    }
    std::string etcd_url() const { return "http://" + address + ":" + std::to_string(etcd_client_port); }
};

struct SandboxState {
    std::string mode = "netns";  // "netns", or "loopback" when namespaces cannot be made
    std::string fallback_reason;
    SandboxOptions options;
    std::string bridge;                       // "dhbr0"
    std::string subnet;                       // "10.213.7.0/24"
    std::string gateway;                      // the bridge's address in the root namespace
    std::vector<std::string> iptables_rules;  // root-namespace rules we added (iptables -D args)
    std::string superuser = "postgres";
    std::string superuser_password;
    std::string replication_user = "replicator";
    std::string replication_password;
    std::string rest_username;  // with options.rest_auth
    std::string rest_password;
    // HAProxy's stats page (--services): `admin` and a random password, as Pigsty's admin page.
    std::string haproxy_username = "admin";
    std::string haproxy_password;
    // --profile pigsty with --ssh: the non-root admin user `up` made (sudo without a password),
    // as Pigsty's dba; `down` removes it. "" when there is none.
    std::string admin_user;
    std::filesystem::path base_dir;
    std::filesystem::path tls_dir() const { return base_dir / "tls"; }
    std::filesystem::path rest_cacert() const { return options.rest_tls ? tls_dir() / "ca.crt" : ""; }
    std::vector<Member> members;
    PatroniInstall patroni;
    // The timing Patroni uses (GET /config once the cluster is up: ttl, loop_wait, retry_timeout,
    // maximum_lag_on_failover), and each value it changed from what was asked ("ttl 10 asked, 20
    // used": Patroni 3.2+ raises ttl to at least 20).
    nlohmann::json timing_used = nlohmann::json::object();
    std::vector<std::string> timing_changes;
    // pids by "member/service" ("pg-1/patroni", "pg-1/etcd", "pg-1/watchdog")
    std::map<std::string, pid_t> pids;

    const Member &member(const std::string &name) const;  // throws UsageError naming the members
    nlohmann::json to_json() const;
    static SandboxState from_json(const nlohmann::json &json);
};

// <state_dir>/sandbox/state.json
std::filesystem::path state_file(const std::filesystem::path &state_dir);
std::optional<SandboxState> load_state(const std::filesystem::path &state_dir);
void save_state(const std::filesystem::path &state_dir, const SandboxState &state);

}  // namespace drillhost::sandbox
