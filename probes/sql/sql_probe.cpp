// The sql probe: what PostgreSQL itself says, over libpq. Recovery state, timeline, replay pause,
// LSNs and lag, system identifier, synchronous_standby_names, pg_stat_replication, or any query's
// rows as JSON. Connection and statement timeouts keep a hung server from hanging a drill.
#include "pg_connect.hpp"

namespace dh = drillhost::sdk;

namespace {

// One round trip; PostgreSQL builds the JSON, so its types survive.
constexpr const char *status_sql = R"sql(
SELECT json_build_object(
  'in_recovery', pg_is_in_recovery(),
  'timeline', CASE WHEN pg_is_in_recovery()
                   THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver),
                                 (SELECT timeline_id FROM pg_control_checkpoint()))
                   ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
  'wal_replay_paused', CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END,
  'current_lsn', CASE WHEN NOT pg_is_in_recovery() THEN pg_current_wal_lsn() END,
  'receive_lsn', pg_last_wal_receive_lsn(),
  'replay_lsn', pg_last_wal_replay_lsn(),
  'replay_lag_bytes', pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()),
  'system_identifier', (SELECT system_identifier::text FROM pg_control_system()),
  'synchronous_standby_names', current_setting('synchronous_standby_names'),
  'replication', (SELECT coalesce(json_agg(r ORDER BY r.application_name), '[]'::json) FROM (
      SELECT application_name, client_addr, state, sync_state, sent_lsn, write_lsn, flush_lsn, replay_lsn,
             pg_wal_lsn_diff(sent_lsn, replay_lsn) AS replay_lag_bytes
      FROM pg_stat_replication) r),
  'server', inet_server_addr()::text || ':' || inet_server_port())
)sql";

using namespace drillhost::probes;

// From the target: every member (or one), as a multi-host conninfo; a "conninfo" param wins.
ConnectParams connect_params(const dh::json &target, const dh::json &params) {
    ConnectParams p;
    if (params.contains("conninfo"))
        p.set("dbname", params["conninfo"].get<std::string>());  // libpq expands a conninfo given as dbname
    else
        p = members_params(target, target_members(target, params.value("member", "")),
                           params.value("dbname", "postgres"));
    p.set("target_session_attrs", params.value("target_session_attrs", "any"));
    p.set("connect_timeout", std::to_string(params.value("connect_timeout_s", 2)));
    p.set("options", "-c statement_timeout=" + std::to_string(params.value("statement_timeout_ms", 2000)));
    return p.set("application_name", "drillhost-sql-probe");
}

PgConnection connect(const ConnectParams &p) {
    auto conn = pg_connect(p);
    if (PQstatus(conn.get()) != CONNECTION_OK)
        throw dh::Error(DH_ERR_UNAVAILABLE, "cannot connect: " + pg_error(conn.get()));
    return conn;
}

// Runs SQL that returns one JSON value in one row.
dh::json query_json(PGconn *conn, const std::string &sql) {
    PgResult result(PQexec(conn, sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
        throw dh::Error(DH_ERR_FAILED, "query failed: " + pg_error(result.get()));
    if (PQntuples(result.get()) != 1 || PQnfields(result.get()) != 1)
        throw dh::Error(DH_ERR_INTERNAL, "expected one JSON value");
    return dh::json::parse(PQgetvalue(result.get(), 0, 0));
}

}  // namespace

struct SqlProbe : dh::Probe {
    static constexpr dh::Info info{
        "org.drillhost.probe.sql", "sql", "0.1.0",
        "PostgreSQL over libpq: recovery, timeline, replay, LSNs, replication, or any query",
        R"json({
        "type": "object",
        "properties": {
            "request": {"enum": ["status", "rows", "execute"], "default": "status",
                      "description": "status: the member's HA view; rows: the rows of `sql` (a query) as JSON; execute: run `sql` (any statements), give the command tag"},
            "sql": {"type": "string", "description": "for request=rows and execute"},
            "member": {"type": "string", "description": "connect to this member only (default: any, multi-host)"},
            "conninfo": {"type": "string", "description": "a libpq connection string instead of the target's members"},
            "dbname": {"type": "string", "default": "postgres"},
            "target_session_attrs": {"enum": ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"],
                                     "default": "any"},
            "connect_timeout_s": {"type": "integer", "minimum": 1, "default": 2},
            "statement_timeout_ms": {"type": "integer", "minimum": 1, "default": 2000}
        },
        "additionalProperties": false
    })json"};

    dh::json sample(dh::Host &host, const dh::json &params) override {
        auto conn = connect(connect_params(host.target(), params));
        std::string server = pg_server(conn.get());
        std::string request = params.value("request", "status");
        if (request != "status" && !params.contains("sql"))
            throw dh::Error(DH_ERR_INVALID_ARGUMENT, "request=" + request + " needs sql");
        if (request == "execute") {  // DDL and DML that a SELECT wrapper would refuse
            PgResult result(PQexec(conn.get(), params["sql"].get<std::string>().c_str()), &PQclear);
            auto status = PQresultStatus(result.get());
            if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
                throw dh::Error(DH_ERR_FAILED, "execute failed: " + pg_error(result.get()));
            return {{"server", server}, {"command", PQcmdStatus(result.get())}};
        }
        if (request == "rows") {
            auto rows = query_json(conn.get(), "SELECT coalesce(json_agg(t), '[]'::json) FROM (" +
                                                   params["sql"].get<std::string>() + ") t");
            return {{"server", server}, {"rows", rows}};
        }
        auto status = query_json(conn.get(), status_sql);
        status["connected_to"] = server;
        return status;
    }
};

DRILLHOST_PLUGIN("sql", "0.1.0", SqlProbe)
