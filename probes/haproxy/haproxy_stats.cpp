#include "haproxy_stats.hpp"

#include <charconv>
#include <map>
#include <sstream>
#include <stdexcept>

namespace drillhost::probes {

namespace {

std::vector<std::string> split_fields(const std::string &line) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    return fields;
}

long number_or(const std::string &text, long fallback) {
    long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() ? value : fallback;
}

// "UP", and "UP 1/3": still taking traffic while the checks count down. "NOLB" and "DRAIN" take
// none new; "DOWN 1/2" is still down while the checks count up.
bool takes_traffic(const std::string &status) {
    return status == "UP" || status.rfind("UP ", 0) == 0;
}

}  // namespace

std::vector<std::string> HaproxyService::routes_to() const {
    // HAProxy sends a service's traffic to its active servers that are up, and to a backup server
    // only when none is (Pigsty's replica service backs its replicas up with the primary).
    std::vector<std::string> active, backup;
    for (const auto &s : servers)
        if (s.up) (s.backup ? backup : active).push_back(s.name);
    return active.empty() ? backup : active;
}

std::vector<HaproxyService> parse_show_stat(const std::string &csv) {
    std::istringstream in(csv);
    std::string line;
    std::map<std::string, size_t> column;
    size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.rfind("# ", 0) == 0) {
            auto names = split_fields(line.substr(2));
            for (size_t i = 0; i < names.size(); ++i) column[names[i]] = i;
            break;
        }
        if (!line.empty()) break;
    }
    for (const char *needed : {"pxname", "svname", "status"})
        if (!column.count(needed))
            throw std::invalid_argument(std::string("not HAProxy's show stat: no header naming \"") + needed +
                                        "\" on its first line");
    auto field = [&](const std::vector<std::string> &row, const char *name) -> std::string {
        auto it = column.find(name);
        return it != column.end() && it->second < row.size() ? row[it->second] : "";
    };
    std::vector<HaproxyService> services;
    std::map<std::string, size_t> service_index;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.empty()) continue;
        auto row = split_fields(line);
        if (row.size() <= column["status"])
            throw std::invalid_argument("HAProxy's show stat, line " + std::to_string(line_number) + ": " +
                                        std::to_string(row.size()) + " fields, the header names more");
        std::string proxy = field(row, "pxname"), server = field(row, "svname");
        if (server == "FRONTEND" || server == "BACKEND") continue;
        auto [it, added] = service_index.try_emplace(proxy, services.size());
        if (added) services.push_back({proxy, {}});
        HaproxyServer s;
        s.name = server;
        s.status = field(row, "status");
        s.up = takes_traffic(s.status);
        s.since_change_s = number_or(field(row, "lastchg"), -1);
        s.check = field(row, "check_status");
        s.backup = field(row, "bck") == "1";
        services[it->second].servers.push_back(s);
    }
    return services;
}

nlohmann::json to_json(const std::vector<HaproxyService> &services) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto &service : services) {
        nlohmann::json servers = nlohmann::json::array();
        for (const auto &s : service.servers)
            servers.push_back({{"name", s.name},
                               {"status", s.status},
                               {"up", s.up},
                               {"since_change_s", s.since_change_s},
                               {"check", s.check},
                               {"backup", s.backup}});
        out.push_back({{"service", service.name}, {"routes_to", service.routes_to()}, {"servers", servers}});
    }
    return out;
}

}  // namespace drillhost::probes
