// HAProxy's `show stat` (its stats socket's CSV), as a pure function: for each service (a proxy),
// which servers are up and since when. A service routes to the servers it counts up, which is
// what a client connecting to the service's port reaches; a drill holds that against who leads.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace drillhost::probes {

struct HaproxyServer {
    std::string name;          // the server line's name: the member ("pg-test-1")
    std::string status;        // as HAProxy says it: "UP", "DOWN", "UP 1/3" (going down), "MAINT" ...
    bool up = false;           // traffic goes to it: UP or going down (UP n/m), NOLB excepted
    long since_change_s = -1;  // `lastchg`: seconds since its status last changed; -1 when not given
    std::string check;         // `check_status`: "L7OK", "L7STS", "L4CON", "" without checks
    bool backup = false;       // `bck`: a backup server, used only while no active one is up
};

struct HaproxyService {
    std::string name;  // the proxy: "pg-test-primary"
    std::vector<HaproxyServer> servers;
    // The servers that are up, in the file's order; the backup servers that are up when no active
    // one is.
    std::vector<std::string> routes_to() const;
};

// Throws std::invalid_argument naming the line at fault when `csv` is not `show stat` output (no
// header, a row without the columns the header names). Frontends and the BACKEND summary rows are
// left out: a service is its servers.
std::vector<HaproxyService> parse_show_stat(const std::string &csv);

nlohmann::json to_json(const std::vector<HaproxyService> &services);

}  // namespace drillhost::probes
