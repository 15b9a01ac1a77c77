// The pgbench probe's operations as JSON Schemas (params and results). docs/probes.md shows them as
// generated from here (scripts/probe-docs.sh). Macros of ordinary string literals: a raw string
// cannot span the lines of a macro.
#pragma once

namespace drillhost::probes::schemas {

// Where pgbench connects: every operation takes these.
#define DH_PGBENCH_WHERE                                                                                    \
    "\"member\": {\"type\": \"string\", \"description\": \"this member only (default: every member, "       \
    "multi-host)\"}, "                                                                                      \
    "\"service\": {\"type\": \"string\", \"pattern\": \"^[a-z][a-z0-9_-]{0,62}$\", \"description\": "       \
    "\"through this service of the members' HAProxy (members[].routing.service_ports: primary, replica, "   \
    "...), as the cluster's clients connect; default: straight to PostgreSQL\"}, "                          \
    "\"target_session_attrs\": {\"enum\": [\"any\", \"read-write\", \"read-only\", \"primary\", "           \
    "\"standby\", "                                                                                         \
    "\"prefer-standby\"], \"description\": \"default: read-write, or any through a service (it picks)\"}, " \
    "\"dbname\": {\"type\": \"string\", \"default\": \"postgres\"}, "                                       \
    "\"connect_timeout_s\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 3600, \"default\": 5}, "   \
    "\"pgbench\": {\"type\": \"string\", \"description\": \"the pgbench program (default: from PATH)\"}"

// How a load runs: start and run take these.
#define DH_PGBENCH_LOAD                                                                                      \
    "\"name\": {\"type\": \"string\", \"default\": \"default\", \"description\": \"which background run "    \
    "(several may run at once, e.g. read-write on the primary and select-only on a replica)\"}, "            \
    "\"builtin\": {\"enum\": [\"tpcb-like\", \"simple-update\", \"select-only\"], \"default\": "             \
    "\"tpcb-like\"}, "                                                                                       \
    "\"script\": {\"type\": \"string\", \"description\": \"a pgbench script to run instead of the builtin "  \
    "(-f)\"}, "                                                                                              \
    "\"clients\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 1000, \"default\": 2}, "              \
    "\"jobs\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 1000, \"description\": \"threads (-j); " \
    "default: clients\"}, "                                                                                  \
    "\"rate\": {\"type\": \"number\", \"exclusiveMinimum\": 0, \"description\": \"target transactions per "  \
    "second (-R)\"}, "                                                                                       \
    "\"duration_s\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 86400, \"default\": 10, "          \
    "\"description\": \"-T: pgbench ends by itself then, even if nobody stops it\"}, "                       \
    "\"progress_s\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 3600, \"default\": 1, "            \
    "\"description\": \"-P\"}, "                                                                             \
    "\"stop_timeout_ms\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 600000, \"default\": 5000, "  \
    "\"description\": \"after SIGINT, how long to wait before SIGKILL\"}"

#define DH_PGBENCH_INIT                                                                        \
    "\"scale\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 100000, \"default\": 1, " \
    "\"description\": "                                                                        \
    "\"-s\"}, "                                                                                \
    "\"init_timeout_s\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 86400, \"default\": 600}"

inline constexpr const char *init_params = "{\"type\": \"object\", \"properties\": {" DH_PGBENCH_WHERE
                                           ", " DH_PGBENCH_INIT "}, \"additionalProperties\": false}";

inline constexpr const char *load_params = "{\"type\": \"object\", \"properties\": {" DH_PGBENCH_WHERE
                                           ", " DH_PGBENCH_LOAD "}, \"additionalProperties\": false}";

inline constexpr const char *stop_params = R"({
    "type": "object",
    "properties": {"name": {"type": "string", "default": "default", "description": "which background run"}},
    "additionalProperties": false
})";

// The undo of init: the envelope the host gives an undo (plugin_api.h, dh_operation.undo); `record`
// is init's result, `unconfirmed` its params.
inline constexpr const char *drop_params =
    "{\"type\": \"object\", \"properties\": {"
    "\"record\": {\"type\": \"object\", \"properties\": {\"connection\": "
    "{\"type\": \"object\"}}, \"required\": [\"connection\"]}, "
    "\"unconfirmed\": {\"type\": \"object\"}}, "
    "\"additionalProperties\": false}";

inline constexpr const char *init_result = R"({
    "type": "object",
    "properties": {
        "ok": {"const": true}, "seconds": {"type": "number"},
        "exit": {"type": "object"},
        "connection": {"type": "object", "description": "where the tables are: what drop needs"}
    },
    "required": ["ok", "seconds", "exit", "connection"],
    "additionalProperties": false
})";

inline constexpr const char *drop_result = R"({
    "type": "object",
    "properties": {"ok": {"const": true}, "seconds": {"type": "number"}, "exit": {"type": "object"},
                   "left": {"type": "string", "description": "why nothing was dropped: an unconfirmed undo found no table its run made"}},
    "required": ["ok"],
    "additionalProperties": false
})";

inline constexpr const char *start_result = R"({
    "type": "object",
    "properties": {"name": {"type": "string"}, "pid": {"type": "integer"}, "started_ms": {"type": "number"}},
    "required": ["name", "pid", "started_ms"],
    "additionalProperties": false
})";

inline constexpr const char *stop_result = R"({
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "exit": {"type": "object", "properties": {"code": {"type": ["integer", "null"]}, "signal": {"type": ["string", "null"]},
                                                  "meaning": {"type": "string"}},
                 "required": ["code", "signal", "meaning"]},
        "ended_by_itself": {"type": "boolean"},
        "series": {"type": "array", "items": {"type": "object", "properties": {
            "t_ms": {"type": "number"}, "elapsed_s": {"type": "number"}, "tps": {"type": "number"},
            "latency_ms": {"type": "number"}, "stddev_ms": {"type": ["number", "null"]}, "failed": {"type": "number"},
            "lag_ms": {"type": ["number", "null"]}},
            "required": ["t_ms", "elapsed_s", "tps", "latency_ms", "failed"]}},
        "tps_mean": {"type": ["number", "null"]}, "tps_min": {"type": ["number", "null"]},
        "zero_tps_intervals": {"type": "integer"}, "aborted_clients": {"type": "integer"},
        "errors": {"type": "array", "items": {"type": "string"}},
        "summary": {"type": ["object", "null"]},
        "started_ms": {"type": "number"}, "stopped_ms": {"type": "number"}
    },
    "required": ["name", "exit", "ended_by_itself", "series", "tps_mean", "tps_min", "zero_tps_intervals",
                 "aborted_clients", "errors", "summary", "started_ms", "stopped_ms"],
    "additionalProperties": false
})";

#undef DH_PGBENCH_INIT
#undef DH_PGBENCH_LOAD
#undef DH_PGBENCH_WHERE

}  // namespace drillhost::probes::schemas
