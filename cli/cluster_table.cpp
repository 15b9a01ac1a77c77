#include "cluster_table.hpp"

#include "table.hpp"

namespace drillhost::cli {
using nlohmann::json;

namespace {

std::string role_text(const std::string &role) {
    if (role == "leader") return "Leader";
    if (role == "standby_leader") return "Standby Leader";
    if (role == "sync_standby") return "Sync Standby";
    if (role == "quorum_standby") return "Quorum Standby";  // Patroni 4 quorum commit, as patronictl says
    if (role == "replica") return "Replica";
    return role;
}

// Lag in MB as patronictl prints it; Patroni says "unknown" when it cannot tell.
std::string lag_text(const json &member) {
    const char *key = member.contains("lag_bytes") ? "lag_bytes" : "lag";
    if (!member.contains(key) || member[key].is_null())
        return member.value("role", "") == "leader" ? "" : "unknown";
    const auto &lag = member[key];
    if (!lag.is_number()) return lag.is_string() ? lag.get<std::string>() : lag.dump();
    return std::to_string(lag.get<long long>() / (1024 * 1024));
}

}  // namespace

std::string timing_header(const std::string &patroni_version, const nlohmann::json &config) {
    std::string text = "Patroni " + (patroni_version.empty() ? std::string("?") : patroni_version);
    for (const char *key : {"ttl", "loop_wait", "retry_timeout"})
        if (config.is_object() && config.contains(key) && config[key].is_number())
            text += std::string(", ") + key + " " + config[key].dump() + " s";
    return text;
}

void print_cluster_table(std::ostream &out, const std::string &title, const json &cluster) {
    out << title << (cluster.value("pause", false) ? "  [paused]" : "") << '\n';
    TextTable table({"Member", "Host", "Role", "State", "TL", "Lag in MB"});
    for (const auto &m : cluster.value("members", json::array()))
        table.add({m.value("name", ""), m.value("host", "") + ":" + std::to_string(m.value("port", 0)),
                   role_text(m.value("role", "")), m.value("state", ""),
                   m.contains("timeline") ? m["timeline"].dump() : "", lag_text(m)});
    table.print(out);
}

}  // namespace drillhost::cli
