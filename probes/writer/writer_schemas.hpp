// The writer probe's operations as JSON Schemas (params and results). docs/probes.md shows them as
// generated from here (scripts/probe-docs.sh).
#pragma once

namespace drillhost::probes::schemas {

inline constexpr const char *start_params = R"json({
    "type": "object",
    "properties": {
        "clients": {"type": "integer", "minimum": 0, "maximum": 64, "default": 2, "description": "clients straight to PostgreSQL (libpq picks the writable member)"},
        "service": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$", "description": "a service of the members' HAProxy (members[].routing.service_ports, e.g. primary) that service_clients more clients write through, as the cluster's own clients do"},
        "service_clients": {"type": "integer", "minimum": 0, "maximum": 64, "description": "clients through the service (default: 2 with a service, else 0)"},
        "rate_hz": {"type": "number", "minimum": 0, "maximum": 100000, "default": 200,
                    "description": "commits per second per client; 0: as fast as possible"}
    },
    "additionalProperties": false
})json";

inline constexpr const char *stop_params = R"({
    "type": "object",
    "properties": {
        "fault_ms": {"type": "number", "description": "the fault's time on the drill's clock (host.now_ms), for RTO; default: where the longest gap began"},
        "min_timeline": {"type": "integer", "minimum": 1, "description": "RTO counts only commits acknowledged on this timeline or a later one: the new primary's, after a failover"}
    },
    "additionalProperties": false
})";

inline constexpr const char *verify_params = R"({
    "type": "object",
    "properties": {
        "verify_timeout_s": {"type": "number", "minimum": 1, "maximum": 3600, "default": 60},
        "after_ms": {"type": "number", "description": "also count the lost writes acknowledged at or after this time (host.now_ms), as lost_after"},
        "switch_lsn": {"type": "string", "pattern": "^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$", "description": "where the new timeline forked (GET /history): report the WAL lost beyond it, as wal_loss"},
        "published_lsn": {"type": "string", "pattern": "^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$", "description": "the old leader's last position published to the DCS: wal_loss splits at it"}
    },
    "additionalProperties": false
})";

inline constexpr const char *run_params = R"json({
    "type": "object",
    "properties": {
        "clients": {"type": "integer", "minimum": 0, "maximum": 64, "default": 2, "description": "clients straight to PostgreSQL (libpq picks the writable member)"},
        "service": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$", "description": "a service of the members' HAProxy (members[].routing.service_ports, e.g. primary) that service_clients more clients write through, as the cluster's own clients do"},
        "service_clients": {"type": "integer", "minimum": 0, "maximum": 64, "description": "clients through the service (default: 2 with a service, else 0)"},
        "rate_hz": {"type": "number", "minimum": 0, "maximum": 100000, "default": 200,
                    "description": "commits per second per client; 0: as fast as possible"},
        "duration_s": {"type": "number", "minimum": 0, "maximum": 86400, "default": 10},
        "fault_ms": {"type": "number", "description": "the fault's time on the drill's clock (host.now_ms), for RTO; default: where the longest gap began"},
        "verify_timeout_s": {"type": "number", "minimum": 1, "maximum": 3600, "default": 60},
        "after_ms": {"type": "number", "description": "also count the lost writes acknowledged at or after this time, as lost_after"}
    },
    "additionalProperties": false
})json";

// The undo of start and run: the envelope the host gives an undo (plugin_api.h, dh_operation.undo).
inline constexpr const char *drop_params = R"({
    "type": "object",
    "properties": {
        "record": {"type": "object", "properties": {"table": {"type": "string", "pattern": "^drillhost_writer_[a-z0-9_]+$"}},
                   "required": ["table"]},
        "unconfirmed": {"type": "object"}
    },
    "additionalProperties": false
})";

inline constexpr const char *start_result = R"({
    "type": "object",
    "properties": {"table": {"type": "string"}, "clients": {"type": "integer"}, "started_ms": {"type": "number"},
                   "service": {"type": ["string", "null"], "description": "the service the clients connect through; null: straight to PostgreSQL"}},
    "required": ["table", "clients", "started_ms", "service"],
    "additionalProperties": false
})";

#define DH_WRITER_STOP_PROPERTIES                                                                            \
    "\"acknowledged\": {\"type\": \"integer\"}, \"failed_commits\": {\"type\": \"integer\"}, "               \
    "\"failed_before_fault\": {\"type\": \"integer\"}, "                                                     \
    "\"rto_ms\": {\"type\": [\"number\", \"null\"], \"description\": \"null: no commit after the fault\"}, " \
    "\"longest_gap_ms\": {\"type\": \"number\"}, \"longest_gap_start_ms\": {\"type\": \"number\"}, "         \
    "\"ack_interval_p50_ms\": {\"type\": \"number\"}, \"ack_interval_p99_ms\": {\"type\": \"number\"}, "     \
    "\"fault_ms\": {\"type\": \"number\"}, \"fault_source\": {\"type\": \"string\"}, "                       \
    "\"first_errors\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}, "                           \
    "\"timelines\": {\"type\": \"array\", \"description\": \"the writer.wal event's timelines\"}, "          \
    "\"routes\": {\"type\": \"array\", \"description\": \"the same numbers per route: direct, and "          \
    "service:<name> for the clients through a service\", \"items\": {\"type\": \"object\", "                 \
    "\"properties\": {\"route\": {\"type\": \"string\"}, \"clients\": {\"type\": \"integer\"}, "             \
    "\"acknowledged\": {\"type\": \"integer\"}, \"failed_commits\": {\"type\": \"integer\"}, "               \
    "\"rto_ms\": {\"type\": [\"number\", \"null\"]}, \"longest_gap_ms\": {\"type\": \"number\"}, "           \
    "\"longest_gap_start_ms\": {\"type\": \"number\"}}, \"required\": [\"route\", \"clients\", "             \
    "\"acknowledged\", \"failed_commits\", \"rto_ms\", \"longest_gap_ms\", \"longest_gap_start_ms\"]}}"

#define DH_WRITER_STOP_REQUIRED                                                                       \
    "\"acknowledged\", \"failed_commits\", \"failed_before_fault\", \"rto_ms\", \"longest_gap_ms\", " \
    "\"longest_gap_start_ms\", \"ack_interval_p50_ms\", \"ack_interval_p99_ms\", \"fault_ms\", "      \
    "\"fault_source\", \"first_errors\", \"timelines\", \"routes\""

inline constexpr const char *stop_result =
    "{\"type\": \"object\", \"properties\": {" DH_WRITER_STOP_PROPERTIES
    "}, \"required\": [" DH_WRITER_STOP_REQUIRED "], \"additionalProperties\": false}";

inline constexpr const char *verify_result = R"({
    "type": "object",
    "properties": {
        "lost": {"type": "integer", "description": "acknowledged commits missing on the final primary"},
        "lost_after": {"type": ["integer", "null"], "description": "of those, acknowledged at or after after_ms"},
        "lost_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 100},
        "rows_on_primary": {"type": "integer"}, "acknowledged": {"type": "integer"},
        "primary": {"type": "string"}, "table_missing": {"type": "boolean"},
        "wal_loss": {"type": "object", "description": "with switch_lsn: the lost writes and WAL bytes beyond the switch point, split at published_lsn when given",
                     "properties": {"switch_lsn": {"type": "string"}, "published_lsn": {"type": ["string", "null"]},
                                    "last_lost_lsn": {"type": ["string", "null"]}, "writes": {"type": "integer"}, "bytes": {"type": "integer"},
                                    "behind_published": {"type": ["object", "null"], "properties": {"writes": {"type": "integer"}, "bytes": {"type": "integer"}}},
                                    "after_published": {"type": ["object", "null"], "properties": {"writes": {"type": "integer"}, "bytes": {"type": "integer"}}},
                                    "last_lost_ms": {"type": ["number", "null"]}},
                     "required": ["switch_lsn", "published_lsn", "last_lost_lsn", "writes", "bytes", "behind_published", "after_published", "last_lost_ms"],
                     "additionalProperties": false}
    },
    "required": ["lost", "lost_after", "lost_ids", "rows_on_primary", "acknowledged", "primary", "table_missing"],
    "additionalProperties": false
})";

inline constexpr const char *run_result =
    "{\"type\": \"object\", \"properties\": {" DH_WRITER_STOP_PROPERTIES
    ", \"verify\": {\"type\": \"object\"}, \"table\": {\"type\": \"string\"}}, \"required\": "
    "[" DH_WRITER_STOP_REQUIRED ", \"verify\", \"table\"], \"additionalProperties\": false}";

inline constexpr const char *drop_result = R"({
    "type": "object",
    "properties": {"dropped": {"type": "array", "items": {"type": "string"}}, "primary": {"type": "string"}},
    "required": ["dropped"],
    "additionalProperties": false
})";

#undef DH_WRITER_STOP_REQUIRED
#undef DH_WRITER_STOP_PROPERTIES

}  // namespace drillhost::probes::schemas
