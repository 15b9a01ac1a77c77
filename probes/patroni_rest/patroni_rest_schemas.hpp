// The patroni-rest probe's operations as JSON Schemas: params and results, one per operation. The
// results are what patroni_reply.cpp makes of Patroni's replies (role "master" normalised to
// "primary"), and docs/probes.md shows them as generated from here (scripts/probe-docs.sh).
#pragma once

namespace drillhost::probes::schemas {

// Which Patroni to ask, and how long to wait: every operation takes these. (Macros of ordinary
// string literals: a raw string cannot span the lines of a macro.)
#define DH_REST_WHERE                                                                                      \
    "\"member\": {\"type\": \"string\", \"description\": \"ask this member only (default: the first that " \
    "answers; health: every member)\"}, "                                                                  \
    "\"url\": {\"type\": \"string\", \"description\": \"ask the Patroni at this base URL "                 \
    "(http://host:port) "                                                                                  \
    "instead of the target's members\"}, "                                                                 \
    "\"timeout_ms\": {\"type\": \"integer\", \"minimum\": 10, \"maximum\": 600000, \"default\": 3000, "    \
    "\"description\": \"reads and health checks, and the liveness check before a write\"}"

#define DH_REST_WRITE_TIMEOUT                                                                            \
    "\"write_timeout_ms\": {\"type\": \"integer\", \"minimum\": 10, \"maximum\": 3600000, \"default\": " \
    "60000, "                                                                                            \
    "\"description\": \"Patroni answers a switchover only once it is over\"}"

inline constexpr const char *read_params =
    "{\"type\": \"object\", \"properties\": {" DH_REST_WHERE "}, \"additionalProperties\": false}";

inline constexpr const char *write_params =
    "{\"type\": \"object\", \"properties\": {" DH_REST_WHERE ", " DH_REST_WRITE_TIMEOUT
    R"(, "body": {"type": "object", "description": "the JSON body Patroni's API documents for this call"}}, "additionalProperties": false})";

inline constexpr const char *switchover_params =
    "{\"type\": \"object\", \"properties\": {" DH_REST_WHERE ", " DH_REST_WRITE_TIMEOUT R"(,
    "body": {"type": "object", "description": "{\"leader\": \"pg-1\", \"candidate\": \"pg-2\", \"scheduled_at\": ...}",
             "properties": {"leader": {"type": "string"}, "candidate": {"type": "string"}, "scheduled_at": {"type": "string"}}}},
    "additionalProperties": false})";

inline constexpr const char *health_params = "{\"type\": \"object\", \"properties\": {" DH_REST_WHERE R"(,
    "check": {"enum": ["primary", "master", "read-write", "leader", "standby-leader", "replica", "read-only",
                       "sync", "async", "quorum", "read-only-quorum", "health", "liveness", "readiness"],
              "default": "health", "description": "quorum and read-only-quorum: Patroni 4.0+, quorum commit"},
    "lag": {"type": ["string", "integer"], "description": "max replication lag, e.g. 1MB"},
    "tags": {"type": "object", "description": "tag filters, e.g. {\"nofailover\": false}"}},
    "additionalProperties": false})";

// A read's reply: who answered, and the parsed data.
#define DH_REST_READ_RESULT(data)                                                              \
    "{\"type\": \"object\", \"properties\": {\"request\": {\"type\": \"string\"}, "            \
    "\"member\": {\"type\": \"string\"}, \"status\": {\"type\": \"integer\"}, \"data\": " data \
    "}, "                                                                                      \
    "\"required\": [\"request\", \"member\", \"status\", \"data\"], \"additionalProperties\": false}"

inline constexpr const char *cluster_result = DH_REST_READ_RESULT(R"({
    "type": "object",
    "properties": {
        "members": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string"}, "role": {"type": "string", "description": "primary (master normalised), replica, sync_standby, standby_leader, ..."},
                "state": {"type": "string"}, "host": {"type": "string"}, "port": {"type": "integer", "minimum": 0, "maximum": 65535},
                "api_url": {"type": "string"}, "tags": {"type": "object"}, "timeline": {"type": "integer"},
                "lag_bytes": {"type": ["number", "null"], "description": "null when Patroni says unknown"},
                "receive_lag_bytes": {"type": ["number", "null"], "description": "Patroni 4.1+; null when unknown"},
                "replay_lag_bytes": {"type": ["number", "null"], "description": "Patroni 4.1+; null when unknown"},
                "lsn": {}, "receive_lsn": {}, "replay_lsn": {}, "pending_restart": {}
            },
            "required": ["name", "role", "state", "host", "port", "api_url", "tags"],
            "additionalProperties": false}},
        "pause": {"type": "boolean"},
        "scheduled_switchover": {"type": "object"}
    },
    "required": ["members", "pause"],
    "additionalProperties": false
})");

inline constexpr const char *patroni_result = DH_REST_READ_RESULT(R"({
    "type": "object",
    "properties": {
        "state": {"type": "string"}, "role": {"type": "string"}, "pause": {"type": "boolean"},
        "replication": {"type": "array"}, "xlog": {"type": "object"}, "timeline": {"type": "integer"},
        "server_version": {}, "postmaster_start_time": {}, "database_system_identifier": {}, "dcs_last_seen": {},
        "failsafe_mode_is_active": {}, "patroni": {}, "sync_standby": {}, "pending_restart": {}
    },
    "required": ["state", "role", "pause", "replication", "xlog"],
    "additionalProperties": false
})");

inline constexpr const char *history_result = DH_REST_READ_RESULT(R"({
    "type": "array",
    "items": {"type": "object",
              "properties": {"timeline": {"type": "integer"}, "lsn": {"type": "integer"}, "reason": {},
                             "timestamp": {}, "new_leader": {}},
              "required": ["timeline", "lsn", "reason", "timestamp", "new_leader"],
              "additionalProperties": false}
})");

inline constexpr const char *config_result = DH_REST_READ_RESULT(R"({
    "type": "object",
    "description": "Patroni's dynamic configuration, with Patroni's defaults for the timing it leaves out",
    "properties": {"ttl": {"type": "number"}, "loop_wait": {"type": "number"}, "retry_timeout": {"type": "number"},
                   "maximum_lag_on_failover": {"type": "number"}},
    "required": ["ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover"]
})");

inline constexpr const char *failsafe_result =
    DH_REST_READ_RESULT(R"({"type": "object", "additionalProperties": {"type": "string"},
                            "description": "member name -> api_url"})");

inline constexpr const char *metrics_result =
    DH_REST_READ_RESULT(R"({"type": "string", "description": "Prometheus text"})");

inline constexpr const char *health_result = R"({
    "type": "object",
    "properties": {
        "request": {"const": "health"}, "check": {"type": "string"},
        "members": {"type": "object", "additionalProperties": {
            "type": "object",
            "properties": {"status": {"type": "integer", "description": "HTTP status, 0 when no answer"},
                           "ok": {"type": "boolean"}, "error": {"type": "string"}},
            "required": ["status", "ok", "error"], "additionalProperties": false}}
    },
    "required": ["request", "check", "members"],
    "additionalProperties": false
})";

// A write's reply: Patroni's status code and what it means (a 409 of PATCH /config repeated until it
// is not, for about 10 s, then returned as it is).
inline constexpr const char *write_result = R"({
    "type": "object",
    "properties": {
        "request": {"type": "string"}, "member": {"type": "string"}, "status": {"type": "integer"},
        "ok": {"type": "boolean", "description": "a status Patroni documents as success for this call"},
        "outcome": {"enum": ["done", "scheduled", "bad request", "unauthorized: set restapi username/password in the target",
                             "nothing to do", "not possible", "failed", "unexpected status"]},
        "message": {"type": "string", "description": "Patroni's reply body"},
        "data": {"type": "object", "description": "patch_config: the configuration after the change"}
    },
    "required": ["request", "member", "status", "ok", "outcome", "message"],
    "additionalProperties": false
})";

#undef DH_REST_READ_RESULT
#undef DH_REST_WRITE_TIMEOUT
#undef DH_REST_WHERE

}  // namespace drillhost::probes::schemas
