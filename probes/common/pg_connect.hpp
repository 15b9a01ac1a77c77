// libpq connections to a target's members, shared by the probes that speak SQL. The target lists
// members (address, pg_port) and credentials; a connection goes to one member or to all of them as
// a multi-host conninfo, where libpq picks by target_session_attrs.
#pragma once

#include <libpq-fe.h>
#include <drillhost/sdk.hpp>

#include <memory>
#include <string>
#include <vector>

namespace drillhost::probes {

using json = nlohmann::json;
using PgConnection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

// libpq keywords and values, in order (PQconnectdbParams takes two parallel arrays).
struct ConnectParams {
    std::vector<std::string> keys, values;
    ConnectParams &set(const std::string &key, const std::string &value) {
        keys.push_back(key);
        values.push_back(value);
        return *this;
    }
};

inline std::string member_host(const json &member) {
    return member.value("address", member.value("host", ""));
}
inline int member_port(const json &member) {
    return member.value("pg_port", member.value("port", 5432));
}

// host/port/user/password/dbname for `members` (one or many); throws when there is none.
inline ConnectParams members_params(const json &target, const std::vector<json> &members,
                                    const std::string &dbname = "postgres") {
    std::string hosts, ports;
    for (const auto &m : members) {
        hosts += (hosts.empty() ? "" : ",") + member_host(m);
        ports += (ports.empty() ? "" : ",") + std::to_string(member_port(m));
    }
    if (hosts.empty())
        throw sdk::Error(DH_ERR_INVALID_ARGUMENT,
                         "the target lists no PostgreSQL member; pass conninfo or --target");
    const auto credentials = target.value("credentials", json::object());
    ConnectParams p;
    p.set("host", hosts).set("port", ports).set("user", credentials.value("superuser", "postgres"));
    if (credentials.contains("superuser_password")) p.set("password", credentials["superuser_password"]);
    return p.set("dbname", dbname);
}

// The port a member's HAProxy offers `service` on ("primary": 5433 in Pigsty's layout), from its
// `routing.service_ports`; 0 when it declares none.
inline int service_port(const json &member, const std::string &service) {
    const json routing = member.value("routing", json::object());
    if (!routing.is_object()) return 0;
    const json ports = routing.value("service_ports", json::object());
    if (!ports.is_object() || !ports.contains(service) || !ports[service].is_number_integer()) return 0;
    int port = ports[service].get<int>();
    return port > 0 && port < 65536 ? port : 0;
}

// Like members_params, but to `service` through each member's HAProxy, as a client of the cluster's
// services connects: every member that offers it, in order (libpq tries the next when one does
// not answer). Throws naming the service when no member offers it.
inline ConnectParams service_params(const json &target, const std::vector<json> &members,
                                    const std::string &service, const std::string &dbname = "postgres") {
    std::vector<json> routed;
    for (const auto &m : members)
        if (int port = service_port(m, service)) {
            json copy = m;
            copy["pg_port"] = port;
            routed.push_back(std::move(copy));
        }
    if (routed.empty())
        throw sdk::Error(DH_ERR_INVALID_ARGUMENT,
                         "no member of the target offers the '" + service +
                             "' service (members[].routing.service_ports): start the embedded cluster with "
                             "--services, or describe the services in the target file");
    return members_params(target, routed, dbname);
}

// The target's members, all of them or the one named `only`.
inline std::vector<json> target_members(const json &target, const std::string &only = "") {
    std::vector<json> members;
    for (const auto &m : target.value("members", json::array()))
        if (only.empty() || m.value("name", "") == only) members.push_back(m);
    if (members.empty() && !only.empty())
        throw sdk::Error(DH_ERR_INVALID_ARGUMENT, "no member '" + only + "' in the target");
    return members;
}

inline std::string pg_error(PGconn *conn) {
    std::string text = conn ? PQerrorMessage(conn) : "out of memory";
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

inline std::string pg_error(const PGresult *result) {
    std::string text = PQresultErrorMessage(result);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

// The NULL-terminated arrays libpq's *Params functions take, pointing into a ConnectParams that
// must outlive them.
struct ParamArrays {
    std::vector<const char *> keys, values;
    explicit ParamArrays(const ConnectParams &p) {
        for (size_t i = 0; i < p.keys.size(); ++i) {
            keys.push_back(p.keys[i].c_str());
            values.push_back(p.values[i].c_str());
        }
        keys.push_back(nullptr);
        values.push_back(nullptr);
    }
};

// libpq prints server notices (and a FATAL sent as the server shuts down) to stderr by default;
// the probes report errors themselves, so the operator's terminal stays readable.
inline void quiet(PGconn *conn) {
    if (conn)
        PQsetNoticeProcessor(
            conn, [](void *, const char *) {}, nullptr);
}

// Blocking connect; check PQstatus (libpq reports failures on the connection object).
inline PgConnection pg_connect(const ConnectParams &p) {
    ParamArrays a(p);
    PgConnection conn(PQconnectdbParams(a.keys.data(), a.values.data(), /*expand_dbname=*/1), &PQfinish);
    quiet(conn.get());
    return conn;
}

// "host:port" of the server a connection reached.
inline std::string pg_server(PGconn *conn) {
    return std::string(PQhost(conn)) + ":" + PQport(conn);
}

}  // namespace drillhost::probes
