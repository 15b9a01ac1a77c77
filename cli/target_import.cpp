#include "target_import.hpp"

#include <drillhost/core/errors.hpp>
#include <drillhost/core/rto_plan.hpp>

#include <yaml-cpp/yaml.h>
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace drillhost::cli {
namespace {

using json = nlohmann::json;

// A Pigsty variable as Ansible resolves it for one host: its host vars, then its group's vars,
// then all.vars, then Pigsty's default. Each getter checks the type and names where the value was.
class PigstyVars {
  public:
    PigstyVars(std::string where, std::vector<std::pair<std::string, const json *>> layers)
        : where_(std::move(where)), layers_(std::move(layers)) {}

    std::string text(const std::string &key, const std::string &fallback) const {
        auto [value, path] = find(key);
        if (!value) return fallback;
        if (value->is_number()) return value->dump();  // an unquoted 12345 is still a password
        if (!value->is_string()) fail(path, "a string", *value);
        return value->get<std::string>();
    }

    long integer(const std::string &key, long fallback, long min, long max) const {
        auto [value, path] = find(key);
        if (!value) return fallback;
        if (!value->is_number_integer() || value->get<long>() < min || value->get<long>() > max)
            fail(path, "an integer from " + std::to_string(min) + " to " + std::to_string(max), *value);
        return value->get<long>();
    }

    bool boolean(const std::string &key, bool fallback) const {
        auto [value, path] = find(key);
        if (!value) return fallback;
        if (!value->is_boolean()) fail(path, "true or false", *value);
        return value->get<bool>();
    }

    // The raw value and where it was; nullptr when no layer has it.
    std::pair<const json *, std::string> find(const std::string &key) const {
        for (const auto &[path, layer] : layers_)
            if (layer && layer->is_object() && layer->contains(key))
                return {&(*layer)[key], path + "." + key};
        return {nullptr, ""};
    }

    [[noreturn]] void fail(const std::string &path, const std::string &expected, const json &value) const {
        throw UsageError(where_ + ": " + path + ": " + value.dump().substr(0, 80) + " is not " + expected);
    }

  private:
    std::string where_;
    std::vector<std::pair<std::string, const json *>> layers_;
};

const json &object_at(const json &parent, const std::string &key, const std::string &where,
                      const std::string &path) {
    if (!parent.is_object() || !parent.contains(key))
        throw UsageError(where + ": " + path + key + " is missing");
    const json &value = parent[key];
    if (!value.is_object()) throw UsageError(where + ": " + path + key + " is not a mapping");
    return value;
}

// Pigsty 3's service.cfg checked every service with fixed intervals (`inter 3s fastinter 1s
// downinter 5s rise 3 fall 3`), whatever pg_rto said.
constexpr double pigsty3_inter = 3, pigsty3_fastinter = 1, pigsty3_downinter = 5;
constexpr int pigsty3_rise = 3, pigsty3_fall = 3;

// Pigsty 4's pg_rto: a plan's name (from pg_rto_plan when the inventory defines its own plans, else
// the four shipped ones), or seconds for the 3.x form, mapped to the nearest plan as Pigsty 4 does
// (under 30 fast, under 45 norm, under 90 safe, else wide).
json rto_plan_of(const PigstyVars &vars, const std::string &where) {
    auto [rto, rto_path] = vars.find("pg_rto");
    auto [plans, plans_path] = vars.find("pg_rto_plan");
    std::string name = "norm";
    if (rto && rto->is_number()) {
        double s = rto->get<double>();
        if (!std::isfinite(s) || s <= 0) vars.fail(rto_path, "a plan's name or seconds", *rto);
        name = s < 30 ? "fast" : s < 45 ? "norm" : s < 90 ? "safe" : "wide";
        if (!plans) {
            // Seconds without plans of its own: a Pigsty 3 inventory as likely as a 4. The cluster
            // may check with 4's mapped plan or 3's fixed intervals, which the file cannot tell
            // apart: the slower of the two, so a healthy cluster of either is not failed, and the
            // plan's name says so.
            RtoPlan plan = *named_rto_plan(name);
            plan.inter = std::max(plan.inter, pigsty3_inter);
            plan.fastinter = std::max(plan.fastinter, pigsty3_fastinter);
            plan.downinter = std::max(plan.downinter, pigsty3_downinter);
            plan.rise = std::max(plan.rise, pigsty3_rise);
            plan.fall = std::max(plan.fall, pigsty3_fall);
            std::ostringstream seconds;
            seconds << s;
            plan.name = "pg_rto " + seconds.str() + " s: " + name + ", checks no faster than Pigsty 3's";
            return plan.to_json();
        }
    } else if (rto) {
        name = vars.text("pg_rto", "norm");
    }
    RtoPlan plan;
    if (plans && plans->is_object() && plans->contains(name)) {
        plan = parse_rto_plan((*plans)[name], where + ": " + plans_path + "." + name);
        plan.name = name;
    } else if (auto shipped = named_rto_plan(name)) {
        plan = *shipped;
    } else {
        throw UsageError(where + ": " + rto_path + ": \"" + name +
                         "\" is not a plan (fast, norm, safe, wide, or one of pg_rto_plan's)");
    }
    return plan.to_json();
}

// ip:port of every host in the etcd group, sorted as Pigsty's template sorts them.
std::vector<std::string> etcd_hosts(const json &children, const std::string &where) {
    std::vector<std::string> hosts;
    if (!children.contains("etcd")) return hosts;
    const json &group = object_at(children, "etcd", where, "all.children.");
    if (!group.contains("hosts")) return hosts;
    for (const auto &[address, _] : object_at(group, "hosts", where, "all.children.etcd.").items())
        hosts.push_back(address);
    std::sort(hosts.begin(), hosts.end());
    return hosts;
}

json ssh_of(const SshChoice &choice, const std::string &inventory_user) {
    json ssh = {{"user", choice.user.empty() ? inventory_user : choice.user}};
    if (!choice.key.empty()) ssh["key"] = choice.key;
    if (!choice.known_hosts.empty()) ssh["known_hosts"] = choice.known_hosts;
    if (ssh["user"] != "root") ssh["sudo"] = true;  // the admin user's passwordless sudo
    return ssh;
}

// "host:port" from Patroni's connect_address / listen; the port when absent is `default_port`.
std::pair<std::string, int> host_port(const json &value, int default_port, const std::string &where,
                                      const std::string &path) {
    if (!value.is_string() || value.get<std::string>().empty())
        throw UsageError(where + ": " + path + ": " + value.dump().substr(0, 80) + " is not host:port");
    std::string text = value;
    auto colon = text.rfind(':');
    auto bracket = text.rfind(']');  // [::1] has colons but no port
    if (colon == std::string::npos || (bracket != std::string::npos && bracket > colon))
        return {text, default_port};
    std::string host = text.substr(0, colon), port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535)
        throw UsageError(where + ": " + path + ": \"" + text + "\" has no valid port");
    if (!host.empty() && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    // A listen address says where a server binds, not where it is reached: 0.0.0.0 would send the
    // drills to this machine.
    if (host.empty() || host == "0.0.0.0" || host == "::" || host == "*")
        throw UsageError(where + ": " + path + ": \"" + text +
                         "\" names no host to reach (give the node's connect_address)");
    return {host, std::stoi(port)};
}

}  // namespace

json target_from_pigsty(const json &inventory, const std::string &cluster, const std::string &where,
                        const SshChoice &ssh) {
    const json &all = object_at(inventory, "all", where, "");
    const json &children = object_at(all, "children", where, "all.");
    if (!children.contains(cluster)) {
        std::string found;
        for (const auto &[name, group] : children.items())
            if (group.is_object() && group.value("vars", json::object()).is_object() &&
                group.value("vars", json::object()).contains("pg_cluster"))
                found += (found.empty() ? "" : ", ") + name;
        throw UsageError(where + ": no cluster \"" + cluster +
                         "\" under all.children (clusters: " + (found.empty() ? "none" : found) + ")");
    }
    const std::string group_path = "all.children." + cluster;
    const json &group = object_at(children, cluster, where, "all.children.");
    static const json empty = json::object();
    const json &all_vars = all.contains("vars") ? object_at(all, "vars", where, "all.") : empty;
    const json &group_vars =
        group.contains("vars") ? object_at(group, "vars", where, group_path + ".") : empty;
    const json &hosts = object_at(group, "hosts", where, group_path + ".");
    if (hosts.empty()) throw UsageError(where + ": " + group_path + ".hosts is empty");

    PigstyVars cluster_vars(where, {{group_path + ".vars", &group_vars}, {"all.vars", &all_vars}});
    std::string pg_cluster = cluster_vars.text("pg_cluster", cluster);
    if (pg_cluster.empty() || pg_cluster.find_first_of(" /?#%\\") != std::string::npos)
        throw UsageError(where + ": " + group_path + ".vars.pg_cluster: \"" + pg_cluster +
                         "\" is not a cluster name");
    std::vector<std::string> etcd = etcd_hosts(children, where);
    long etcd_port = cluster_vars.integer("etcd_port", 2379, 1, 65535);

    json members = json::array();
    std::set<long> seqs;
    for (const auto &[address, host_vars] : hosts.items()) {
        const std::string host_path = group_path + ".hosts." + address;
        // The key becomes a host in URLs that carry passwords: an address or a host name, nothing else.
        if (address.empty() || address.size() > 253 ||
            address.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") !=
                std::string::npos)
            throw UsageError(where + ": " + group_path + ".hosts: " +
                             json(address).dump(-1, ' ', true, json::error_handler_t::replace).substr(0, 80) +
                             " is not an address or a host name");
        if (!host_vars.is_object()) throw UsageError(where + ": " + host_path + " has no pg_seq");
        PigstyVars vars(
            where, {{host_path, &host_vars}, {group_path + ".vars", &group_vars}, {"all.vars", &all_vars}});
        if (!vars.find("pg_seq").first) throw UsageError(where + ": " + host_path + ".pg_seq is missing");
        long seq = vars.integer("pg_seq", 0, 0, 1000000);
        if (!seqs.insert(seq).second)
            throw UsageError(where + ": " + host_path + ".pg_seq: " + std::to_string(seq) + " is used twice");
        std::string role = vars.text("pg_role", "replica");
        if (role != "primary" && role != "replica" && role != "offline")
            throw UsageError(where + ": " + host_path + ".pg_role: \"" + role +
                             "\" is not primary, replica or offline");
        std::string name = pg_cluster + "-" + std::to_string(seq);
        bool tls = vars.boolean("patroni_ssl_enabled", false);
        long rest_port = vars.integer("patroni_port", 8008, 1, 65535);
        json member = {{"name", name},
                       {"address", address},
                       {"rest_url", std::string(tls ? "https://" : "http://") + address + ":" +
                                        std::to_string(rest_port)},
                       {"pg_port", vars.integer("pg_port", 5432, 1, 65535)},
                       {"data_dir", vars.text("pg_data", "/pg/data")},
                       {"pg_role", role}};
        if (std::find(etcd.begin(), etcd.end(), address) != etcd.end()) {
            member["runs_etcd"] = true;
            member["etcd_client_port"] = etcd_port;
        }
        // Pigsty's services on every node (pg_default_services); the admin page of its HAProxy is
        // /haproxy/<nodename>/, and a node takes its pg instance's name by default.
        json ports = {{"primary", 5433}, {"replica", 5434}, {"default", 5436}, {"offline", 5438}};
        for (const char *list : {"pg_default_services", "pg_services"}) {
            auto [services, path] = vars.find(list);
            if (!services) continue;
            if (!services->is_array()) vars.fail(path, "a list of services", *services);
            for (size_t i = 0; i < services->size(); ++i) {
                const json &s = (*services)[i];
                std::string at = path + "[" + std::to_string(i) + "]";
                if (!s.is_object() || !s.value("name", json()).is_string())
                    throw UsageError(where + ": " + at + " has no name");
                if (!s.value("port", json()).is_number_integer() || s["port"].get<long>() < 1 ||
                    s["port"].get<long>() > 65535)
                    throw UsageError(where + ": " + at + ".port: " + s.value("port", json()).dump() +
                                     " is not a port");
                ports[s["name"].get<std::string>()] = s["port"];
            }
        }
        std::string nodename = vars.text("nodename", name);
        member["routing"] = {
            {"service_ports", ports},
            {"pgbouncer_port", vars.integer("pgbouncer_port", 6432, 1, 65535)},
            {"stats_url", "http://" + address + ":" +
                              std::to_string(vars.integer("haproxy_exporter_port", 9101, 1, 65535)) +
                              "/haproxy/" + nodename + "/"}};
        members.push_back(std::move(member));
    }
    std::sort(members.begin(), members.end(),
              [](const json &a, const json &b) { return a["name"] < b["name"]; });

    bool tls = cluster_vars.boolean("patroni_ssl_enabled", false);
    json target = {
        {"scope", pg_cluster},
        {"namespace", cluster_vars.text("pg_namespace", "/pg")},
        {"dcs", "etcd3"},
        {"ssh", ssh_of(ssh, cluster_vars.text("node_admin_username", "dba"))},
        // systemd units as Pigsty names them; PostgreSQL runs inside Patroni's unit.
        {"services",
         {{"patroni", "patroni"}, {"etcd", "etcd"}, {"haproxy", "haproxy"}, {"pgbouncer", "pgbouncer"}}},
        // GETs are never authenticated; writes need Patroni's user. Pigsty puts its CA on every
        // node, the admin node included, at /etc/pki/ca.crt.
        {"restapi",
         {{"username", cluster_vars.text("patroni_username", "postgres")},
          {"password", cluster_vars.text("patroni_password", "Patroni.API")}}},
        // Patroni's superuser is pg_dbsu over the local socket; over TCP Pigsty's admin user is the
        // superuser a tool uses.
        {"credentials",
         {{"superuser", cluster_vars.text("pg_admin_username", "dbuser_dba")},
          {"superuser_password", cluster_vars.text("pg_admin_password", "DBUser.DBA")},
          {"haproxy_username", cluster_vars.text("haproxy_admin_username", "admin")},
          {"haproxy_password", cluster_vars.text("haproxy_admin_password", "pigsty")}}},
        {"rto_plan", rto_plan_of(cluster_vars, where)},
        {"members", members}};
    if (tls) target["restapi"]["cacert"] = "/etc/pki/ca.crt";
    // etcd over TLS as Pigsty's Patroni reaches it; the hosts a DCS partition cuts.
    json endpoints = json::array(), dcs_hosts = json::array(), dcs_members = json::array();
    for (const auto &address : etcd) {
        endpoints.push_back("https://" + address + ":" + std::to_string(etcd_port));
        dcs_hosts.push_back(address + ":" + std::to_string(etcd_port));
    }
    for (const auto &m : members)
        if (m.value("runs_etcd", false)) dcs_members.push_back(m["name"]);
    if (!endpoints.empty()) {
        target["dcs_endpoints"] = endpoints;
        target["dcs_hosts"] = dcs_hosts;
        target["dcs_tls"] = {{"cacert", "/etc/pki/ca.crt"}};
        // Pigsty's Patroni logs in to etcd as the cluster's own user (its patroni.yml template:
        // etcd3.username pg_cluster, password pg_etcd_password, else pg_cluster).
        target["dcs_auth"] = {{"username", pg_cluster},
                              {"password", cluster_vars.text("pg_etcd_password", pg_cluster)}};
    }
    if (!dcs_members.empty()) target["dcs_members"] = dcs_members;
    return target;
}

namespace {

// A user name or password of Patroni's config as a string: an unquoted 12345 is still one; any other
// type is an error naming the key.
json credential(const json &value, const std::string &where, const std::string &path) {
    if (value.is_string()) return value;
    if (value.is_number()) return value.dump();
    throw UsageError(where + ": " + path + ": " + value.dump().substr(0, 80) + " is not a string");
}

// A path or a word of Patroni's config: a string, else an error naming the key.
std::string text_of(const json &value, const std::string &where, const std::string &path) {
    if (value.is_string()) return value;
    throw UsageError(where + ": " + path + ": " + value.dump().substr(0, 80) + " is not a string");
}

}  // namespace

json target_from_patroni_configs(const std::vector<json> &configs, const std::vector<std::string> &where,
                                 const SshChoice &ssh) {
    json target = json::object(), members = json::array();
    std::string scope;
    for (size_t i = 0; i < configs.size(); ++i) {
        const json &c = configs[i];
        const std::string &file = where[i];
        if (!c.is_object()) throw UsageError(file + ": not a mapping at the top level");
        for (const char *key : {"scope", "name"})
            if (!c.value(key, json()).is_string() || c[key].get<std::string>().empty())
                throw UsageError(file + ": " + key + " is missing or not a string");
        if (scope.empty()) scope = c["scope"];
        if (c["scope"] != scope)
            throw UsageError(file + ": scope \"" + c["scope"].get<std::string>() + "\" is not \"" + scope +
                             "\" of the files before it");
        const json restapi = c.value("restapi", json::object());
        const json postgresql = c.value("postgresql", json::object());
        if (!restapi.is_object()) throw UsageError(file + ": restapi is not a mapping");
        if (!postgresql.is_object()) throw UsageError(file + ": postgresql is not a mapping");
        const char *rest_key = restapi.contains("connect_address") ? "connect_address" : "listen";
        if (!restapi.contains(rest_key)) throw UsageError(file + ": restapi.connect_address is missing");
        auto [rest_host, rest_port] =
            host_port(restapi[rest_key], 8008, file, std::string("restapi.") + rest_key);
        const char *pg_key = postgresql.contains("connect_address") ? "connect_address" : "listen";
        if (!postgresql.contains(pg_key)) throw UsageError(file + ": postgresql.connect_address is missing");
        auto [pg_host, pg_port] =
            host_port(postgresql[pg_key], 5432, file, std::string("postgresql.") + pg_key);
        bool tls = restapi.contains("certfile");
        json member = {{"name", c["name"]},
                       {"address", pg_host},
                       {"rest_url", std::string(tls ? "https://" : "http://") + rest_host + ":" +
                                        std::to_string(rest_port)},
                       {"pg_port", pg_port}};
        if (postgresql.contains("data_dir")) {
            if (!postgresql["data_dir"].is_string())
                throw UsageError(file + ": postgresql.data_dir is not a string");
            member["data_dir"] = postgresql["data_dir"];
        }
        for (const auto &m : members)
            if (m["name"] == member["name"])
                throw UsageError(file + ": member \"" + member["name"].get<std::string>() +
                                 "\" is given twice");
        members.push_back(member);
        if (i > 0) continue;
        // The cluster-wide parts, from the first file.
        target["scope"] = scope;
        target["namespace"] = c.value("namespace", json("/service"));
        if (!target["namespace"].is_string()) throw UsageError(file + ": namespace is not a string");
        const json auth = restapi.value("authentication", json::object());
        if (auth.is_object() && auth.contains("username"))
            target["restapi"] = {
                {"username", credential(auth["username"], file, "restapi.authentication.username")},
                {"password",
                 credential(auth.value("password", json("")), file, "restapi.authentication.password")}};
        // The CA a client checks Patroni's certificate with: patronictl's (ctl.cacert), else the
        // restapi.cacert Pigsty's template writes beside the certificate (Patroni itself ignores
        // it). Not restapi.cafile: that is the CA Patroni checks its clients' certificates with.
        const json ctl = c.value("ctl", json::object());
        for (auto [section, path] : {std::pair{&ctl, "ctl.cacert"}, std::pair{&restapi, "restapi.cacert"}})
            if (section->is_object() && section->contains("cacert")) {
                target["restapi"]["cacert"] = text_of((*section)["cacert"], file, path);
                break;
            }
        const json superuser =
            postgresql.value("authentication", json::object()).value("superuser", json::object());
        if (superuser.is_object() && superuser.contains("username"))
            target["credentials"] = {
                {"superuser",
                 credential(superuser["username"], file, "postgresql.authentication.superuser.username")},
                {"superuser_password", credential(superuser.value("password", json("")), file,
                                                  "postgresql.authentication.superuser.password")}};
        for (const char *kind : {"etcd3", "etcd"}) {
            if (!c.contains(kind)) continue;
            const json &dcs = c[kind];
            if (!dcs.is_object()) throw UsageError(file + ": " + kind + " is not a mapping");
            target["dcs"] = kind;
            json hosts =
                dcs.value("hosts", dcs.contains("host") ? json::array({dcs["host"]}) : json::array());
            if (hosts.is_string()) {  // "a:2379,b:2379"
                json split = json::array();
                std::string text = hosts;
                for (size_t at = 0; at <= text.size();) {
                    size_t comma = std::min(text.find(',', at), text.size());
                    if (comma > at) split.push_back(text.substr(at, comma - at));
                    at = comma + 1;
                }
                hosts = split;
            }
            if (!hosts.is_array()) throw UsageError(file + ": " + kind + ".hosts is not a list");
            std::string protocol =
                text_of(dcs.value("protocol", json("http")), file, std::string(kind) + ".protocol");
            if (protocol != "http" && protocol != "https")
                throw UsageError(file + ": " + kind + ".protocol: \"" + protocol + "\" is not http or https");
            json endpoints = json::array(), dcs_hosts = json::array();
            for (const auto &h : hosts) {
                auto [host, port] = host_port(h, 2379, file, std::string(kind) + ".hosts");
                endpoints.push_back(protocol + "://" + host + ":" + std::to_string(port));
                dcs_hosts.push_back(host + ":" + std::to_string(port));
            }
            if (!endpoints.empty()) target["dcs_endpoints"] = endpoints, target["dcs_hosts"] = dcs_hosts;
            if (dcs.contains("username"))
                target["dcs_auth"] = {
                    {"username", credential(dcs["username"], file, std::string(kind) + ".username")},
                    {"password",
                     credential(dcs.value("password", json("")), file, std::string(kind) + ".password")}};
            for (const char *key : {"cacert", "cert", "key"})
                if (dcs.contains(key))
                    target["dcs_tls"][key] = text_of(dcs[key], file, std::string(kind) + "." + key);
            break;
        }
    }
    target["ssh"] = ssh_of(ssh, "root");
    target["services"] = {{"patroni", "patroni"}, {"etcd", "etcd"}};
    target["members"] = members;
    return target;
}

namespace {

void emit(YAML::Emitter &out, const json &value) {
    if (value.is_object()) {
        out << YAML::BeginMap;
        for (const auto &[key, item] : value.items()) {
            out << YAML::Key << key << YAML::Value;
            emit(out, item);
        }
        out << YAML::EndMap;
    } else if (value.is_array()) {
        // A list of plain values on one line; a list of members one mapping per entry.
        bool scalars =
            std::all_of(value.begin(), value.end(), [](const json &v) { return v.is_primitive(); });
        if (scalars) out << YAML::Flow;
        out << YAML::BeginSeq;
        for (const auto &item : value) emit(out, item);
        out << YAML::EndSeq;
    } else if (value.is_string()) {
        out << YAML::DoubleQuoted << value.get<std::string>();
    } else {
        out << value.dump();  // numbers, true, false, null: JSON's spelling is YAML's
    }
}

}  // namespace

std::string target_yaml(const json &target, const std::string &header) {
    YAML::Emitter out;
    emit(out, target);
    std::string text;
    for (size_t at = 0; at < header.size();) {
        size_t end = std::min(header.find('\n', at), header.size());
        text += "# " + header.substr(at, end - at) + "\n";
        at = end + 1;
    }
    return text + out.c_str() + "\n";
}

}  // namespace drillhost::cli
