#include "patroni_reply.hpp"

#include <simdjson.h>

namespace drillhost::probes {
namespace {

using nlohmann::json;

[[noreturn]] void refuse(std::string_view body, const ReplyOrigin &origin, const std::string &why) {
    std::string start(body.substr(0, 80));
    for (char &c : start)
        if (c == '\n' || c == '\r') c = ' ';
    throw ReplyError(origin.endpoint + " (HTTP " + std::to_string(origin.status) + "): " + why +
                     "; reply starts with '" + start + "'" + (body.size() > 80 ? "..." : ""));
}

// simdjson's DOM, converted once to nlohmann for the checks and the output.
json to_json(simdjson::dom::element element) {
    switch (element.type()) {
        case simdjson::dom::element_type::OBJECT: {
            json out = json::object();
            for (auto field : simdjson::dom::object(element))
                out[std::string(field.key)] = to_json(field.value);
            return out;
        }
        case simdjson::dom::element_type::ARRAY: {
            json out = json::array();
            for (auto item : simdjson::dom::array(element)) out.push_back(to_json(item));
            return out;
        }
        case simdjson::dom::element_type::STRING:
            return std::string(std::string_view(element));
        case simdjson::dom::element_type::INT64:
            return int64_t(element);
        case simdjson::dom::element_type::UINT64:
            return uint64_t(element);
        case simdjson::dom::element_type::DOUBLE:
            return double(element);
        case simdjson::dom::element_type::BOOL:
            return bool(element);
        case simdjson::dom::element_type::NULL_VALUE:
            return nullptr;
    }
    return nullptr;
}

json parse(std::string_view body, const ReplyOrigin &origin) {
    thread_local simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::element root;
    if (auto error = parser.parse(padded).get(root))
        refuse(body, origin, std::string("not JSON (") + simdjson::error_message(error) + ")");
    return to_json(root);
}

// Field checks: each names the path that broke.
const json &need(const json &object, const char *key, json::value_t type, const std::string &path,
                 std::string_view body, const ReplyOrigin &origin) {
    if (!object.contains(key)) refuse(body, origin, "missing " + path + key);
    const json &value = object[key];
    bool ok = value.type() == type || (type == json::value_t::number_integer && value.is_number_integer());
    if (!ok)
        refuse(body, origin,
               path + key + " is " + value.type_name() + ", expected " + json(type).type_name());
    return value;
}

// An optional field: `fallback` when absent or null, else it must have the type `need` checks (so
// a wrong type is this parser's ReplyError naming the field, never nlohmann's type_error from value()).
json optional(const json &object, const char *key, json::value_t type, json fallback, const std::string &path,
              std::string_view body, const ReplyOrigin &origin) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    return need(object, key, type, path, body, origin);
}

// A member's PostgreSQL port: 0 when Patroni does not say, else a TCP port. Checked here because a
// double such as 5e32 converted to int is undefined behaviour, and drills build connection strings
// from it.
json port_of(const json &member, const std::string &path, std::string_view body, const ReplyOrigin &origin) {
    auto it = member.find("port");
    if (it == member.end() || it->is_null()) return 0;
    bool ok = (it->is_number_unsigned() && it->get<uint64_t>() >= 1 && it->get<uint64_t>() <= 65535) ||
              (it->is_number_integer() && it->get<int64_t>() >= 1 && it->get<int64_t>() <= 65535);
    if (!ok)
        refuse(body, origin,
               path + "port is " + it->dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 40) +
                   ", expected an integer 1..65535");
    return *it;
}

void copy_if(const json &from, json &to, const char *key) {
    if (from.contains(key)) to[key] = from[key];
}

}  // namespace

std::string normalise_role(const std::string &role) {
    return role == "master" ? "primary" : role;
}

json parse_cluster(std::string_view body, const ReplyOrigin &origin) {
    json reply = parse(body, origin);
    if (!reply.is_object()) refuse(body, origin, "expected an object");
    const json &members = need(reply, "members", json::value_t::array, "", body, origin);
    json out = {{"members", json::array()},
                {"pause", optional(reply, "pause", json::value_t::boolean, false, "", body, origin)}};
    for (size_t i = 0; i < members.size(); ++i) {
        const json &m = members[i];
        std::string path = "members[" + std::to_string(i) + "].";
        if (!m.is_object()) refuse(body, origin, path.substr(0, path.size() - 1) + " is not an object");
        json member = {
            {"name", need(m, "name", json::value_t::string, path, body, origin)},
            {"role", normalise_role(need(m, "role", json::value_t::string, path, body, origin))},
            {"state", need(m, "state", json::value_t::string, path, body, origin)},
            {"host", optional(m, "host", json::value_t::string, "", path, body, origin)},
            {"port", port_of(m, path, body, origin)},
            {"api_url", optional(m, "api_url", json::value_t::string, "", path, body, origin)},
            {"tags", optional(m, "tags", json::value_t::object, json::object(), path, body, origin)},
        };
        if (m.contains("timeline"))
            member["timeline"] = need(m, "timeline", json::value_t::number_integer, path, body, origin);
        // A number of bytes, or the string "unknown" (no position published yet): null.
        for (const auto &[from, to] :
             {std::pair{"lag", "lag_bytes"}, std::pair{"receive_lag", "receive_lag_bytes"},
              std::pair{"replay_lag", "replay_lag_bytes"}})
            if (m.contains(from)) member[to] = m[from].is_number() ? m[from] : json(nullptr);
        for (const char *lsn : {"lsn", "receive_lsn", "replay_lsn", "pending_restart"})
            copy_if(m, member, lsn);
        out["members"].push_back(std::move(member));
    }
    copy_if(reply, out, "scheduled_switchover");
    return out;
}

json parse_patroni(std::string_view body, const ReplyOrigin &origin) {
    json reply = parse(body, origin);
    if (!reply.is_object()) refuse(body, origin, "expected an object");
    json out = {{"state", need(reply, "state", json::value_t::string, "", body, origin)},
                {"role", normalise_role(need(reply, "role", json::value_t::string, "", body, origin))},
                {"pause", optional(reply, "pause", json::value_t::boolean, false, "", body, origin)},
                {"replication",
                 optional(reply, "replication", json::value_t::array, json::array(), "", body, origin)},
                {"xlog", optional(reply, "xlog", json::value_t::object, json::object(), "", body, origin)}};
    if (reply.contains("timeline"))
        out["timeline"] = need(reply, "timeline", json::value_t::number_integer, "", body, origin);
    for (const char *key :
         {"server_version", "postmaster_start_time", "database_system_identifier", "dcs_last_seen",
          "failsafe_mode_is_active", "patroni", "sync_standby", "pending_restart"})
        copy_if(reply, out, key);
    return out;
}

json parse_history(std::string_view body, const ReplyOrigin &origin) {
    json reply = parse(body, origin);
    if (!reply.is_array()) refuse(body, origin, "expected an array of timeline switches");
    json out = json::array();
    for (size_t i = 0; i < reply.size(); ++i) {
        const json &row = reply[i];
        if (!row.is_array() || row.size() < 3 || !row[0].is_number_integer() || !row[1].is_number_integer())
            refuse(body, origin, "history[" + std::to_string(i) + "] is not [timeline, lsn, reason, ...]");
        out.push_back({{"timeline", row[0]},
                       {"lsn", row[1]},
                       {"reason", row[2]},
                       {"timestamp", row.size() > 3 ? row[3] : json(nullptr)},
                       {"new_leader", row.size() > 4 ? row[4] : json(nullptr)}});
    }
    return out;
}

json parse_config(std::string_view body, const ReplyOrigin &origin) {
    json reply = parse(body, origin);
    if (!reply.is_object()) refuse(body, origin, "expected an object");
    // Patroni's defaults (patroni/config.py) for what the dynamic config leaves out.
    const std::pair<const char *, int> defaults[] = {
        {"ttl", 30}, {"loop_wait", 10}, {"retry_timeout", 10}, {"maximum_lag_on_failover", 1048576}};
    for (const auto &[key, fallback] : defaults) {
        if (!reply.contains(key))
            reply[key] = fallback;
        else if (!reply[key].is_number())
            refuse(body, origin, std::string(key) + " is not a number");
    }
    return reply;
}

json parse_failsafe(std::string_view body, const ReplyOrigin &origin) {
    json reply = parse(body, origin);
    if (!reply.is_object()) refuse(body, origin, "expected an object of member name -> api_url");
    for (const auto &[name, url] : reply.items())
        if (!url.is_string()) refuse(body, origin, "the api_url of " + name + " is not a string");
    return reply;
}

}  // namespace drillhost::probes
