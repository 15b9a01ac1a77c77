// The scratch-cluster injector: a second PostgreSQL cluster on the embedded cluster's hosts, for the
// drills that need one (scratch_cluster_layout.hpp: where its pieces live; the drills ask the
// observe operation `layout` for it, so the layout has one owner).
//   build=plain: a primary on the first host and streaming replicas on the others, made by hand
//     (initdb, pg_basebackup) with no Patroni, as an operator's cluster before Patroni takes over;
//     Patroni configs matching it are written beside, not started.
//   build=patroni: starts Patroni on a cluster built plain before (revert stops it).
//   build=standby: Patroni on every host with standby_cluster pointing at a member of the main
//     cluster (default: its leader): a standby cluster.
// Revert (plain, standby) kills what runs there, removes its directories and its scope's DCS keys:
// everything is found again from the params, so a revert without a record works the same.
#include <drillhost/sdk.hpp>

#include <algorithm>

#include "injector_hosts.hpp"
#include "patroni_calls.hpp"
#include "scratch_cluster_layout.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;
using drillhost::scratch::ScratchMember;

namespace {

struct Scratch {
    dh::Host &host;
    json target;
    std::string scope;
    std::vector<std::string> hosts;
    bool root = true;

    ScratchMember member(const std::string &name) const {
        return drillhost::scratch::scratch_member(member_of(target, name), scope);
    }
    json where(const std::string &name) const { return {{"host", name}}; }
    // PostgreSQL refuses to run as root; the sandbox's hosts run it as postgres.
    std::vector<std::string> as_postgres(std::vector<std::string> argv) const {
        if (root)
            argv.insert(argv.begin(),
                        {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"});
        return argv;
    }
    json run(const std::string &name, const std::vector<std::string> &argv,
             std::chrono::milliseconds timeout = std::chrono::seconds(120)) const {
        return host.exec_checked(where(name), argv, timeout);
    }
    void write_file(const std::string &name, const std::string &path, const std::string &text) const {
        run(name, as_postgres({"sh", "-c", "umask 077; printf '%s\\n' \"$1\" > \"$2\"", "sh", text, path}));
    }
    json own_config(const std::string &name) const {
        std::string path = member_of(target, name).value("patroni_config", "");
        json config = json::parse(run(name, {"cat", path}).value("stdout", ""), nullptr, false);
        if (!config.is_object())
            throw dh::Error(DH_ERR_FAILED, path + " is not the JSON the embedded cluster writes");
        return config;
    }
    std::string pg_bin(const json &config) const {
        return config["postgresql"].value("bin_dir", "/usr/lib/postgresql/15/bin");
    }
};

Scratch scratch_of(dh::Host &host, const json &params) {
    Scratch s{host, host.target(), params.value("scope", "drillhost-scratch"), {}, true};
    if (s.target.value("kind", "") != "drillhost-sandbox")
        throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                        "scratch-cluster builds only on the embedded cluster's hosts; a real target "
                        "needs hosts of its own for a second cluster");
    if (params.contains("hosts")) {
        s.hosts = params["hosts"].get<std::vector<std::string>>();
    } else {
        for (const auto &m : s.target.value("members", json::array()))
            if (s.hosts.size() < 2) s.hosts.push_back(m.value("name", ""));
    }
    for (const auto &h : s.hosts) member_of(s.target, h);  // an unknown host fails before anything runs
    s.root = host.exec(s.where(s.hosts.at(0)), {"id", "-u"}).value("stdout", "") == "0\n";
    return s;
}

// The host's own Patroni config, moved to the scratch instance: scope, ports, directories.
json scratch_config(const Scratch &s, const std::string &name, const json &standby_of) {
    json c = s.own_config(name);
    ScratchMember m = s.member(name);
    std::string rest = m.address + ":" + std::to_string(m.rest_port);
    std::string pg = m.address + ":" + std::to_string(m.pg_port);
    c["scope"] = s.scope;
    c["restapi"]["listen"] = rest, c["restapi"]["connect_address"] = rest;
    c["postgresql"]["listen"] = pg, c["postgresql"]["connect_address"] = pg;
    c["postgresql"]["data_dir"] = m.data_dir;
    c["postgresql"]["pgpass"] = m.dir + "/pgpass";
    c["watchdog"] = {{"mode", "off"}};
    c["postgresql"]["basebackup"] = {
        {"checkpoint", "fast"}};  // a replica copies at once, not after a spread checkpoint
    if (!standby_of.is_null()) c["bootstrap"]["dcs"]["standby_cluster"] = standby_of;
    return c;
}

void make_dir(const Scratch &s, const std::string &name, const ScratchMember &m) {
    s.run(name, s.root ? std::vector<std::string>{"install", "-d", "-m", "700", "-o", "postgres", "-g",
                                                  "postgres", m.dir}
                       : std::vector<std::string>{"install", "-d", "-m", "700", m.dir});
}

// The Patroni the embedded cluster runs (`sandbox up --patroni`), so both clusters are one version.
std::vector<std::string> patroni_command(const Scratch &s) {
    if (!s.target.contains("patroni")) return {"patroni"};  // a state file from before --patroni
    const json &patroni = s.target["patroni"];
    const json command = patroni.is_object() ? patroni.value("command", json()) : json();
    bool words = command.is_array() && !command.empty() &&
                 std::all_of(command.begin(), command.end(), [](const json &w) { return w.is_string(); });
    if (!words)
        throw dh::Error(
            DH_ERR_INVALID_ARGUMENT,
            "the target's patroni.command must be a non-empty list of strings (the argv that runs "
            "Patroni, as `sandbox up` writes it)");
    return command.get<std::vector<std::string>>();
}

void start_patroni(const Scratch &s, const std::string &name) {
    ScratchMember m = s.member(name);
    std::vector<std::string> argv = {
        "sh", "-c",  "HOME=\"$1\"; log=\"$2\"; shift 2; exec setsid -f \"$@\" >> \"$log\" 2>&1 < /dev/null",
        "sh", m.dir, m.log};
    for (const auto &word : patroni_command(s)) argv.push_back(word);
    argv.push_back(m.config);
    s.run(name, s.as_postgres(argv));
}

void start_postgres(const Scratch &s, const std::string &name, const ScratchMember &m,
                    const std::string &bin) {
    auto started =
        s.host.exec(s.where(name),
                    s.as_postgres({bin + "/pg_ctl", "start", "-w", "-D", m.data_dir, "-l", m.postgres_log}),
                    std::chrono::seconds(120));
    if (started.value("exit_code", -1) == 0) return;
    auto log = s.host.exec(s.where(name), {"tail", "-n", "5", m.postgres_log});
    throw dh::Error(DH_ERR_FAILED, "PostgreSQL of the scratch cluster did not start on " + name + ": " +
                                       started.value("stderr", "") + " Its log ends:\n" +
                                       log.value("stdout", ""));
}

// Primary by initdb, replicas by pg_basebackup -R, the settings Patroni's bootstrap would give.
void build_plain(const Scratch &s) {
    json credentials = s.target.at("credentials");
    std::string superuser = credentials.value("superuser", "postgres");
    std::string primary_name = s.hosts.at(0);
    ScratchMember primary = s.member(primary_name);
    json config = s.own_config(primary_name);
    std::string bin = s.pg_bin(config),
                socket = member_of(s.target, primary_name).value("socket_dir", "/tmp");
    std::string hba;
    for (const auto &line : config["postgresql"].value("pg_hba", json::array()))
        hba += line.get<std::string>() + "\n";
    auto settings = [&](const ScratchMember &m) {
        return "listen_addresses = '" + m.address + "'\nport = " + std::to_string(m.pg_port) +
               "\nunix_socket_directories = '" + member_of(s.target, m.name).value("socket_dir", "/tmp") +
               "'\nwal_level = replica\nhot_standby = on\nwal_log_hints = on\nmax_wal_senders = 10\n"
               "max_replication_slots = 10\nwal_keep_size = '128MB'";
    };
    auto append = [&](const std::string &name, const std::string &path, const std::string &text) {
        s.run(name, s.as_postgres({"sh", "-c", "printf '%s\\n' \"$1\" >> \"$2\"", "sh", text, path}));
    };

    s.host.phase("scratch cluster " + s.scope + ": initdb on " + primary_name);
    make_dir(s, primary_name, primary);
    s.write_file(primary_name, primary.dir + "/pwfile", credentials.value("superuser_password", ""));
    s.run(primary_name, s.as_postgres({bin + "/initdb", "-D", primary.data_dir, "-U", superuser,
                                       "--pwfile=" + primary.dir + "/pwfile", "-E", "UTF8",
                                       "--data-checksums", "--auth-local=trust", "--auth-host=md5"}));
    append(primary_name, primary.data_dir + "/postgresql.conf", settings(primary));
    s.write_file(primary_name, primary.data_dir + "/pg_hba.conf", hba);
    start_postgres(s, primary_name, primary, bin);
    std::string replication = credentials.value("replication_user", "replicator");
    s.run(primary_name,
          s.as_postgres({bin + "/psql", "-h", socket, "-p", std::to_string(primary.pg_port), "-U", superuser,
                         "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c",
                         "CREATE ROLE \"" + replication + "\" WITH REPLICATION LOGIN PASSWORD $pw$" +
                             credentials.value("replication_password", "") + "$pw$"}));

    for (size_t i = 1; i < s.hosts.size(); ++i) {
        const std::string &name = s.hosts[i];
        ScratchMember replica = s.member(name);
        s.host.phase("scratch cluster " + s.scope + ": pg_basebackup on " + name);
        make_dir(s, name, replica);
        s.run(name, s.as_postgres({"sh", "-c",
                                   "PGPASSWORD=\"$1\" exec \"$2\"/pg_basebackup -h \"$3\" -p \"$4\" -U "
                                   "\"$5\" -D \"$6\" -X stream -c fast -R",
                                   "sh", credentials.value("replication_password", ""), bin, primary.address,
                                   std::to_string(primary.pg_port), replication, replica.data_dir}));
        append(name, replica.data_dir + "/postgresql.conf", settings(replica));
        start_postgres(s, name, replica, bin);
    }
    for (const auto &name : s.hosts)
        s.write_file(name, s.member(name).config, scratch_config(s, name, nullptr).dump(2));
}

void build_standby(const Scratch &s, const json &params) {
    std::string source = params.value("source", "");
    if (source.empty()) {
        json cluster = s.host.operate(patroni_rest, "cluster");  // kept: the loop refers into it
        for (const auto &m : cluster.at("data").at("members"))
            if (m.value("role", "") == "leader") source = m.value("name", "");
        if (source.empty())
            throw dh::Error(DH_ERR_FAILED, "the main cluster has no leader to be a standby of");
    }
    json src = member_of(s.target, source);
    json standby_of = {{"host", address_of(src)},
                       {"port", src.value("pg_port", 5432)},
                       {"create_replica_methods", json::array({"basebackup"})}};
    for (const auto &name : s.hosts) {
        ScratchMember m = s.member(name);
        make_dir(s, name, m);
        s.write_file(name, m.config, scratch_config(s, name, standby_of).dump(2));
    }
    for (const auto &name : s.hosts) start_patroni(s, name);
    s.host.info("standby cluster " + s.scope + " started on " + std::to_string(s.hosts.size()) +
                " host(s), following " + source);
}

void await_primary(const Scratch &s, const std::string &name) {
    std::string url = s.member(name).rest_url, role;
    double deadline =
        s.host.now_ms() + 1000 * s.host.operate(patroni_rest, "config").at("data").value("ttl", 30.0) * 3;
    while (s.host.now_ms() < deadline) {
        try {
            role = s.host.operate(patroni_rest, "patroni", {{"url", url}}).at("data").value("role", "");
            // The role is PostgreSQL's (a running primary says "primary" at once); leading means
            // holding the scope's leader key, which GET /cluster shows.
            json cluster = s.host.operate(patroni_rest, "cluster", {{"url", url}});
            bool leads = false;
            for (const auto &m : cluster.at("data").value("members", json::array()))
                leads = leads || (m.value("role", "") == "leader" && m.value("name", "") == name);
            if (role == "primary" && leads) return;
        } catch (const dh::Error &e) {
            if (e.status() == DH_ERR_CANCELLED) throw;
        }
        s.host.sleep(std::chrono::milliseconds(250));
    }
    throw dh::Error(DH_ERR_FAILED, "Patroni on " + name +
                                       " did not take the hand-made primary over within 3 x ttl (role '" +
                                       role + "'); see " + s.member(name).log);
}

// build=patroni starts Patroni on what build=plain made and wrote its configs for.
void require_built_plain(const Scratch &s) {
    for (const auto &name : s.hosts) {
        std::string config = s.member(name).config;
        if (s.host.exec(s.where(name), {"test", "-f", config}).value("exit_code", -1) != 0)
            throw dh::Error(
                DH_ERR_INVALID_ARGUMENT,
                "scratch-cluster build=patroni starts Patroni on a cluster built with build=plain "
                "and the same scope and hosts, but " +
                    name + " has no " + config + "; inject build=plain first");
    }
}

// Debian's `patroni CONFIG` and a source tree's `python3 .../patroni.py CONFIG` alike.
std::string patroni_pattern(const Scratch &s, const std::string &name) {
    return "patroni(\\.py)? " + s.member(name).config;
}

void stop_patroni(const Scratch &s, const std::string &name, const char *signal) {
    s.host.exec(s.where(name), {"pkill", signal, "-f", patroni_pattern(s, name)});
}

// Until nothing of the member runs and its ports are free: a later build (the next drill's scratch
// cluster) binds the same ports at once. A postmaster that Patroni was starting as it was killed, a
// pg_basebackup or a pg_rewind, is found by its data directory and killed too.
void await_released(const Scratch &s, const std::string &name, const ScratchMember &m) {
    std::string held;
    for (double deadline = s.host.now_ms() + 30000; s.host.now_ms() < deadline;
         s.host.sleep(std::chrono::milliseconds(100))) {
        s.host.exec(s.where(name), {"pkill", "-KILL", "-f", patroni_pattern(s, name)});
        s.host.exec(s.where(name), {"pkill", "-KILL", "-f", "--", "-D " + m.data_dir});
        held.clear();
        for (int port : {m.pg_port, m.rest_port}) {
            auto listening = s.host.exec(s.where(name), {"ss", "-Hltn", "sport = :" + std::to_string(port)});
            if (!listening.value("stdout", "").empty())
                held += (held.empty() ? "" : ", ") + std::to_string(port);
        }
        if (held.empty()) return;
    }
    throw dh::Error(DH_ERR_FAILED, "the scratch cluster's port(s) " + held + " on " + name +
                                       " are still held 30 s after its processes were killed");
}

void remove_all(const Scratch &s) {
    for (const auto &name : s.hosts) {
        ScratchMember m = s.member(name);
        stop_patroni(s, name, "-KILL");
        s.host.exec(
            s.where(name),
            s.as_postgres(
                {"sh", "-c",
                 "test -f \"$2/postmaster.pid\" || exit 0; \"$1\"/pg_ctl stop -m immediate -w -D \"$2\"",
                 "sh", "/usr/lib/postgresql/15/bin", m.data_dir}));
        await_released(s, name, m);
        s.host.exec(s.where(name), {"rm", "-rf", m.dir});
    }
    // The scope's keys, so the DCS holds nothing of it (a later build would meet its old system id).
    std::string endpoints;
    for (const auto &m : s.target.value("members", json::array()))
        if (m.value("runs_etcd", false))
            endpoints += (endpoints.empty() ? "" : ",") + std::string("http://") + address_of(m) + ":" +
                         std::to_string(m.value("etcd_client_port", 2379));
    std::string key = "/service/" + s.scope;
    std::vector<std::string> argv =
        s.target.value("dcs", "etcd3") == "etcd"
            ? std::vector<std::string>{"env", "ETCDCTL_API=2", "etcdctl", "--endpoints=" + endpoints,
                                       "rm",  "--recursive",   key}
            : std::vector<std::string>{"env", "ETCDCTL_API=3", "etcdctl", "--endpoints=" + endpoints,
                                       "del", "--prefix",      key + "/"};
    s.host.exec(s.where(s.hosts.at(0)), argv);  // "not found" is fine: nothing was written yet
}

}  // namespace

struct ScratchClusterInjector : dh::Injector {
    static constexpr dh::Info info{"org.drillhost.injector.scratch-cluster", "scratch-cluster", "0.1.0",
                                   "Builds a second cluster on the embedded cluster's hosts (plain, Patroni, "
                                   "or standby); revert removes it",
                                   R"json({
        "type": "object",
        "properties": {
            "build": {"enum": ["plain", "patroni", "standby"], "description": "plain: initdb + pg_basebackup, no Patroni; patroni: start Patroni on a plain one; standby: a Patroni standby cluster"},
            "scope": {"type": "string", "pattern": "^[a-z0-9-]+$", "default": "drillhost-scratch", "description": "its Patroni scope (and directory name)"},
            "hosts": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "where it runs; the first is the primary (default: the first two hosts)"},
            "source": {"type": "string", "description": "standby: the main cluster's member to replicate from (default: its leader)"}
        },
        "required": ["build"],
        "additionalProperties": false
    })json"};

    static constexpr auto operations() {
        using Op = dh::Operation<ScratchClusterInjector>;
        return std::array{
            Op{"layout", dh::Effect::observe,
               "Where the members of a scratch cluster of this scope live and how to reach them",
               R"({"type": "object",
                   "properties": {"scope": {"type": "string", "pattern": "^[a-z0-9-]+$", "default": "drillhost-scratch"},
                                  "hosts": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
                   "required": ["hosts"], "additionalProperties": false})",
               R"({"type": "object",
                   "properties": {"members": {"type": "array", "items": {"type": "object",
                       "properties": {"name": {"type": "string"}, "address": {"type": "string"},
                                      "pg_port": {"type": "integer"}, "rest_port": {"type": "integer"},
                                      "rest_url": {"type": "string"}, "data_dir": {"type": "string"},
                                      "conninfo": {"type": "string", "description": "libpq, as the target's superuser"}},
                       "required": ["name", "address", "pg_port", "rest_port", "rest_url", "data_dir", "conninfo"],
                       "additionalProperties": false}}},
                   "required": ["members"], "additionalProperties": false})",
               &ScratchClusterInjector::layout},
        };
    }

    json layout(dh::Host &host, const json &params) {
        json target = host.target();
        std::string scope = params.value("scope", "drillhost-scratch");
        json members = json::array();
        for (const auto &name : params.at("hosts")) {
            ScratchMember m = drillhost::scratch::scratch_member(member_of(target, name), scope);
            members.push_back({{"name", m.name},
                               {"address", m.address},
                               {"pg_port", m.pg_port},
                               {"rest_port", m.rest_port},
                               {"rest_url", m.rest_url},
                               {"data_dir", m.data_dir},
                               {"conninfo", drillhost::scratch::conninfo(target, m)}});
        }
        return {{"members", members}};
    }

    json inject(dh::Host &host, const json &params) override {
        Scratch s = scratch_of(host, params);
        std::string build = params.at("build");
        if (build == "patroni") {
            require_built_plain(s);
            // As Patroni's docs convert a running cluster: the primary first, the replicas once it leads.
            try {
                start_patroni(s, s.hosts.at(0));
                await_primary(s, s.hosts.at(0));
                for (size_t i = 1; i < s.hosts.size(); ++i) start_patroni(s, s.hosts[i]);
            } catch (...) {
                for (const auto &name : s.hosts) stop_patroni(s, name, "-TERM");
                throw;
            }
            return {{"build", build}, {"scope", s.scope}, {"hosts", s.hosts}};
        }
        try {
            build == "plain" ? build_plain(s) : build_standby(s, params);
        } catch (...) {
            remove_all(s);  // never leave half a cluster behind
            throw;
        }
        return {{"build", build}, {"scope", s.scope}, {"hosts", s.hosts}};  // the params, as revert needs
    }

    void revert(dh::Host &host, const json &record, bool) override {
        // A record and an unconfirmed fault's params say the same: build, scope, hosts.
        Scratch s = scratch_of(host, record);
        if (record.value("build", "") == "patroni") {
            for (const auto &name : s.hosts) stop_patroni(s, name, "-TERM");
            return;
        }
        remove_all(s);
    }
};

DRILLHOST_PLUGIN("scratch-cluster", "0.1.0", ScratchClusterInjector)
