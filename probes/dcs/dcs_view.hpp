// What Patroni keeps in its DCS about who leads, read from etcd's own replies, as pure functions:
// the leader key's holder and revision, and the WAL position the leader last published (the
// "optime" of the status key, or the legacy optime/leader key). Patroni compares a failover
// candidate against that published position (`is_lagging` in ha.py), so a loss is held against it.
// Both of Patroni's etcd drivers: etcd3 (the v3 API's JSON gateway) and etcd (the v2 keys API).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace drillhost::probes {

struct DcsView {
    std::optional<std::string> leader;  // the leader key's value: the holder's member name
    int64_t leader_revision = 0;        // etcd3 mod_revision / etcd v2 modifiedIndex; 0 when no key
    std::optional<uint64_t> optime;     // the leader's last published WAL position
};

// "/service/drillhost/": the directory of one cluster's keys (namespace "/service", scope).
std::string scope_prefix(const std::string &namespace_, const std::string &scope);

// The etcd3 gateway's POST /v3/kv/range request for every key under `prefix`.
nlohmann::json etcd3_range_request(const std::string &prefix);

// Throws std::invalid_argument naming what is wrong when the reply is not etcd's.
DcsView parse_etcd3_range(const std::string &body, const std::string &prefix);
DcsView parse_etcd2_keys(const std::string &body, const std::string &prefix);

}  // namespace drillhost::probes
