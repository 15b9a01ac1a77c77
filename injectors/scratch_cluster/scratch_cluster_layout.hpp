// A second PostgreSQL / Patroni cluster on the embedded cluster's hosts, for the drills that need
// one (standby-cluster, takeover): where its pieces live and how to reach them. Private to the
// scratch-cluster injector, which builds and removes it; drills read it through its `layout`
// operation. Its instances sit beside the
// main cluster's on each host: their own directory, their own scope in the same DCS, and ports 100
// above the host's (never clashing, also when hosts share 127.0.0.1 with consecutive ports).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace drillhost::scratch {

using json = nlohmann::json;

inline constexpr int port_offset = 100;

struct ScratchMember {
    std::string name, address;
    std::string dir, data_dir, config, log, postgres_log;
    int pg_port = 0, rest_port = 0;
    std::string rest_url;  // same scheme as the host's own Patroni
};

inline ScratchMember scratch_member(const json &target_member, const std::string &scope) {
    ScratchMember m;
    m.name = target_member.value("name", "");
    m.address = target_member.value("address", "");
    m.dir = target_member.value("dir", "") + "/scratch-" + scope;
    m.data_dir = m.dir + "/data";
    m.config = m.dir + "/patroni.yml";
    m.log = m.dir + "/patroni.log";
    m.postgres_log = m.dir + "/postgres.log";
    m.pg_port = target_member.value("pg_port", 5432) + port_offset;
    m.rest_port = target_member.value("rest_port", 8008) + port_offset;
    std::string own = target_member.value("rest_url", "http://");
    m.rest_url = own.substr(0, own.find("://")) + "://" + m.address + ":" + std::to_string(m.rest_port);
    return m;
}

// A libpq connection string to the member as the target's superuser.
inline std::string conninfo(const json &target, const ScratchMember &m,
                            const std::string &dbname = "postgres") {
    json credentials = target.value("credentials", json::object());
    return "host=" + m.address + " port=" + std::to_string(m.pg_port) + " dbname=" + dbname +
           " user=" + credentials.value("superuser", "postgres") +
           " password=" + credentials.value("superuser_password", "") + " connect_timeout=2";
}

}  // namespace drillhost::scratch
