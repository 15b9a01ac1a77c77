#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/routing_config.hpp>
#include <drillhost/sandbox/sandbox_state.hpp>

#include <fstream>

#include "ssh_access.hpp"

namespace drillhost::sandbox {
namespace fs = std::filesystem;
using nlohmann::json;

std::string Member::haproxy_stats_url() const {
    return "http://" + address + ":" + std::to_string(haproxy_stats_port) + "/haproxy/" + name + "/";
}

const Member &SandboxState::member(const std::string &name) const {
    std::string known;
    for (const auto &m : members) {
        if (m.name == name) return m;
        known += (known.empty() ? "" : ", ") + m.name;
    }
    throw UsageError("no sandbox host '" + name + "'; the hosts are " + known);
}

json SandboxState::to_json() const {
    json out_members = json::array();
    for (const auto &m : members) {
        json services = json::object();
        for (const auto &service : {"etcd", "patroni", "watchdog", "sshd", "pgbouncer", "haproxy"}) {
            auto it = pids.find(m.name + "/" + service);
            if (it != pids.end()) services[service] = {{"pid", it->second}, {"log", m.log(service).string()}};
        }
        out_members.push_back({{"name", m.name},
                               {"netns", m.netns},
                               {"address", m.address},
                               {"pg_port", m.pg_port},
                               {"rest_port", m.rest_port},
                               {"rest_url", m.rest_url()},
                               {"rest_tls", m.rest_tls},
                               {"runs_etcd", m.runs_etcd},
                               {"etcd_client_port", m.etcd_client_port},
                               {"etcd_peer_port", m.etcd_peer_port},
                               {"dir", m.dir.string()},
                               {"data_dir", m.data_dir().string()},
                               {"patroni_config", m.patroni_config().string()},
                               {"socket_dir", m.socket_dir().string()},
                               {"postgres_log", m.log("postgres").string()},
                               {"services", services}});
        // Loopback mode: every "host" is this machine.
        if (m.netns.empty()) out_members.back()["transport"] = {{"kind", "local"}};
        // How to reach the host over ssh instead (a target file can use it as the member's transport).
        if (options.ssh) out_members.back()["ssh_transport"] = ssh_transport(*this, m);
        if (options.services) {
            json ports = json::object();
            for (const auto &service : pigsty_services()) ports[service.suffix] = service.port;
            out_members.back()["routing"] = {{"haproxy_config", m.haproxy_config().string()},
                                             {"haproxy_socket", m.haproxy_socket().string()},
                                             {"pgbouncer_config", m.pgbouncer_config().string()},
                                             {"pgbouncer_port", pgbouncer_port},
                                             {"stats_url", m.haproxy_stats_url()},
                                             {"service_ports", ports}};
        }
    }
    json out = {
        {"kind", "drillhost-sandbox"},
        {"mode", mode},
        {"fallback_reason", fallback_reason},
        {"scope", options.scope},
        {"dcs", options.dcs},
        {"options",
         {{"members", options.members},
          {"ttl", options.ttl},
          {"loop_wait", options.loop_wait},
          {"retry_timeout", options.retry_timeout},
          {"synchronous_mode", options.synchronous_mode},
          {"failsafe_mode", options.failsafe_mode},
          {"watchdog", options.watchdog},
          {"local_dcs_only", options.local_dcs_only},
          {"rest_tls", options.rest_tls},
          {"rest_auth", options.rest_auth},
          {"ssh", options.ssh},
          {"patroni", options.patroni},
          {"services", options.services},
          {"rto_plan", options.rto_plan},
          {"profile", options.profile}}},
        {"patroni", patroni.to_json()},
        {"timing", {{"used", timing_used}, {"changes", timing_changes}}},
        // What a client of the REST API needs (the patroni-rest probe reads it from the target).
        {"restapi",
         {{"username", rest_username}, {"password", rest_password}, {"cacert", rest_cacert().string()}}},
        {"bridge", bridge},
        {"subnet", subnet},
        {"gateway", gateway},
        {"iptables_rules", iptables_rules},
        {"credentials",
         {{"superuser", superuser},
          {"superuser_password", superuser_password},
          {"replication_user", replication_user},
          {"replication_password", replication_password},
          {"haproxy_username", haproxy_username},
          {"haproxy_password", haproxy_password}}},
        {"admin_user", admin_user},
        {"base_dir", base_dir.string()},
        {"members", out_members}};
    // With services, the plan whose HAProxy checks they run (Patroni's timing is the sandbox's own:
    // `timing.used`), as a target file declares one: drills judge the routing by it.
    if (options.services)
        if (auto plan = named_rto_plan(options.rto_plan)) out["rto_plan"] = plan->to_json();
    return out;
}

SandboxState SandboxState::from_json(const json &j) {
    SandboxState s;
    s.mode = j.at("mode");
    s.fallback_reason = j.value("fallback_reason", "");
    s.options.scope = j.at("scope");
    s.options.dcs = j.at("dcs");
    const auto &o = j.at("options");
    s.options.members = o.at("members");
    s.options.ttl = o.at("ttl");
    s.options.loop_wait = o.at("loop_wait");
    s.options.retry_timeout = o.at("retry_timeout");
    s.options.synchronous_mode = o.at("synchronous_mode");
    s.options.failsafe_mode = o.at("failsafe_mode");
    s.options.watchdog = o.at("watchdog");
    s.options.local_dcs_only = o.at("local_dcs_only");
    s.options.rest_tls = o.value("rest_tls", false);
    s.options.rest_auth = o.value("rest_auth", false);
    s.options.ssh = o.value("ssh", false);
    s.options.patroni = o.value("patroni", "");
    s.options.services = o.value("services", false);
    s.options.rto_plan = o.value("rto_plan", "fast");
    s.options.profile = o.value("profile", "");
    s.admin_user = j.value("admin_user", "");
    if (j.contains("patroni")) s.patroni = PatroniInstall::from_json(j.at("patroni"));
    if (j.contains("timing")) {
        s.timing_used = j["timing"].value("used", json::object());
        s.timing_changes = j["timing"].value("changes", std::vector<std::string>{});
    }
    if (j.contains("restapi")) {
        s.rest_username = j["restapi"].value("username", "");
        s.rest_password = j["restapi"].value("password", "");
    }
    s.bridge = j.at("bridge");
    s.subnet = j.at("subnet");
    s.gateway = j.at("gateway");
    s.iptables_rules = j.at("iptables_rules").get<std::vector<std::string>>();
    const auto &c = j.at("credentials");
    s.superuser = c.at("superuser");
    s.superuser_password = c.at("superuser_password");
    s.replication_user = c.at("replication_user");
    s.replication_password = c.at("replication_password");
    s.haproxy_username = c.value("haproxy_username", "admin");
    s.haproxy_password = c.value("haproxy_password", "");
    s.base_dir = j.at("base_dir").get<std::string>();
    for (const auto &jm : j.at("members")) {
        Member m;
        m.name = jm.at("name");
        m.netns = jm.at("netns");
        m.address = jm.at("address");
        m.pg_port = jm.at("pg_port");
        m.rest_port = jm.at("rest_port");
        m.rest_tls = jm.value("rest_tls", false);
        m.runs_etcd = jm.at("runs_etcd");
        m.etcd_client_port = jm.at("etcd_client_port");
        m.etcd_peer_port = jm.at("etcd_peer_port");
        m.dir = jm.at("dir").get<std::string>();
        for (const auto &[service, info] : jm.at("services").items())
            s.pids[m.name + "/" + service] = info.at("pid");
        s.members.push_back(std::move(m));
    }
    return s;
}

fs::path state_file(const fs::path &state_dir) {
    return state_dir / "sandbox" / "state.json";
}

std::optional<SandboxState> load_state(const fs::path &state_dir) {
    fs::path file = state_file(state_dir);
    if (!fs::exists(file)) return std::nullopt;
    std::ifstream in(file);
    auto parsed = json::parse(in, nullptr, false);
    if (parsed.is_discarded())
        throw InfraError(file.string() +
                         ": the sandbox state file is not JSON; remove it and run `drillhost sandbox down`");
    try {
        return SandboxState::from_json(parsed);
    } catch (const json::exception &e) {
        throw InfraError(file.string() + ": unexpected sandbox state (" + e.what() + ")");
    }
}

void save_state(const fs::path &state_dir, const SandboxState &state) {
    fs::path file = state_file(state_dir);
    fs::create_directories(file.parent_path());
    fs::path temporary = file.string() + ".tmp";
    {
        std::ofstream out(temporary);
        out << state.to_json().dump(2) << '\n';
        if (!out) throw InfraError("cannot write " + temporary.string());
    }
    fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write);  // it holds passwords
    fs::rename(temporary, file);  // readers never see half a file
}

}  // namespace drillhost::sandbox
