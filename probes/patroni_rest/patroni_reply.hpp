// Pure parsers of Patroni REST replies (simdjson in, normalised nlohmann::json out), version-
// agnostic: Patroni 3.x says "master", 4.x "primary" (normalised to "primary"); lsn fields that
// newer versions add are kept when present and never required.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace drillhost::probes {

// A reply that is not what the endpoint promises. what() names the endpoint, the HTTP status and
// the first bytes of the reply.
class ReplyError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Which endpoint and status a reply came with, for error messages.
struct ReplyOrigin {
    std::string endpoint;  // "GET http://10.213.7.11:8008/cluster"
    long status = 200;
};

// GET /cluster -> {members: [{name, role, state, host, port, api_url, timeline?, lag_bytes?, tags}],
//                  pause, scheduled_switchover?}. lag_bytes is null when Patroni says "unknown".
nlohmann::json parse_cluster(std::string_view body, const ReplyOrigin &origin);

// GET /patroni -> {state, role, timeline?, server_version?, postmaster_start_time?, xlog: {location?,
// received_location?, replayed_location?, paused?}, replication: [...], database_system_identifier?,
// pause, patroni: {version, scope}, dcs_last_seen?, failsafe_mode_is_active?}
nlohmann::json parse_patroni(std::string_view body, const ReplyOrigin &origin);

// GET /history -> [{timeline, lsn, reason, timestamp, new_leader}]
nlohmann::json parse_history(std::string_view body, const ReplyOrigin &origin);

// GET /config -> the dynamic configuration, with ttl, loop_wait, retry_timeout and
// maximum_lag_on_failover checked to be numbers (Patroni's defaults filled in when absent).
nlohmann::json parse_config(std::string_view body, const ReplyOrigin &origin);

// GET /failsafe -> {member name: api_url}, the members the leader must reach to keep its role
// while the DCS is down (failsafe_mode). Patroni answers 502 until the leader has written it.
nlohmann::json parse_failsafe(std::string_view body, const ReplyOrigin &origin);

// "master" and "primary" -> "primary"; other roles unchanged.
std::string normalise_role(const std::string &role);

}  // namespace drillhost::probes
