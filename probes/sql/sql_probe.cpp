// The sql probe: what PostgreSQL itself says, over libpq. Recovery state, timeline, replay pause,
// LSNs and lag, system identifier, synchronous_standby_names, pg_stat_replication, or any query's
// rows as JSON. Connection and statement timeouts keep a hung server from hanging a drill.
#include <array>

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

// `read_only`: every transaction of the session is read-only, so an observation cannot write even
// if its query tries. Set once connected: as a startup option it would also make libpq's
// target_session_attrs=read-write refuse every server ("session is read-only").
PgConnection connect(const ConnectParams &p, bool read_only) {
    auto conn = pg_connect(p);
    if (PQstatus(conn.get()) != CONNECTION_OK)
        throw dh::Error(DH_ERR_UNAVAILABLE, "cannot connect: " + pg_error(conn.get()));
    if (read_only) {
        PgResult set(PQexec(conn.get(), "SET default_transaction_read_only = on"), &PQclear);
        if (PQresultStatus(set.get()) != PGRES_COMMAND_OK)
            throw dh::Error(DH_ERR_FAILED, "cannot make the session read-only: " + pg_error(set.get()));
    }
    return conn;
}

// Runs SQL that returns one JSON value in one row. The extended protocol runs exactly one
// statement: "...; COMMIT; SET default_transaction_read_only = off; ..." cannot ride along.
dh::json query_json(PGconn *conn, const std::string &sql) {
    PgResult result(PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
        throw dh::Error(DH_ERR_FAILED, "query failed: " + pg_error(result.get()));
    if (PQntuples(result.get()) != 1 || PQnfields(result.get()) != 1)
        throw dh::Error(DH_ERR_INTERNAL, "expected one JSON value");
    return dh::json::parse(PQgetvalue(result.get(), 0, 0));
}

// What create_table writes in its table's comment: the run that made it.
std::string made_by(dh::Host &host) {
    return "made by drillhost run " + host.run_id();
}

// Whether `table` exists and carries `mark` as its comment.
bool marked_by(PGconn *conn, const std::string &table, const std::string &mark) {
    const char *values[] = {table.c_str(), mark.c_str()};
    PgResult r(PQexecParams(conn, "SELECT obj_description(to_regclass($1), 'pg_class') = $2", 2, nullptr,
                            values, nullptr, nullptr, 0),
               &PQclear);
    return PQresultStatus(r.get()) == PGRES_TUPLES_OK && PQntuples(r.get()) == 1 &&
           std::string(PQgetvalue(r.get(), 0, 0)) == "t";
}

}  // namespace

// Where to connect: every operation takes these. (Ordinary string literals: a raw string cannot
// span the lines of a macro.)
#define DH_SQL_WHERE                                                                                         \
    "\"member\": {\"type\": \"string\", \"description\": \"connect to this member only (default: any, "      \
    "multi-host)\"}, "                                                                                       \
    "\"conninfo\": {\"type\": \"string\", \"description\": \"a libpq connection string instead of the "      \
    "target's members\"}, "                                                                                  \
    "\"dbname\": {\"type\": \"string\", \"default\": \"postgres\"}, "                                        \
    "\"target_session_attrs\": {\"enum\": [\"any\", \"read-write\", \"read-only\", \"primary\", "            \
    "\"standby\", "                                                                                          \
    "\"prefer-standby\"], \"default\": \"any\"}, "                                                           \
    "\"connect_timeout_s\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 3600, \"default\": 2}, "    \
    "\"statement_timeout_ms\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 86400000, \"default\": " \
    "2000}"

namespace schemas {

constexpr const char *status_params =
    "{\"type\": \"object\", \"properties\": {" DH_SQL_WHERE "}, \"additionalProperties\": false}";
constexpr const char *sql_params =
    "{\"type\": \"object\", \"properties\": {" DH_SQL_WHERE
    ", \"sql\": {\"type\": \"string\", \"minLength\": 1}}, \"required\": [\"sql\"], "
    "\"additionalProperties\": false}";

constexpr const char *status_result = R"({
    "type": "object",
    "properties": {
        "in_recovery": {"type": "boolean"},
        "timeline": {"type": ["integer", "null"]},
        "wal_replay_paused": {"type": ["boolean", "null"], "description": "null on a primary"},
        "current_lsn": {"type": ["string", "null"], "description": "null on a replica"},
        "receive_lsn": {"type": ["string", "null"]},
        "replay_lsn": {"type": ["string", "null"]},
        "replay_lag_bytes": {"type": ["number", "null"]},
        "system_identifier": {"type": "string"},
        "synchronous_standby_names": {"type": "string"},
        "replication": {"type": "array", "items": {"type": "object", "properties": {
            "application_name": {"type": "string"}, "client_addr": {"type": ["string", "null"]},
            "state": {"type": ["string", "null"]}, "sync_state": {"type": ["string", "null"]},
            "sent_lsn": {"type": ["string", "null"]}, "write_lsn": {"type": ["string", "null"]},
            "flush_lsn": {"type": ["string", "null"]}, "replay_lsn": {"type": ["string", "null"]},
            "replay_lag_bytes": {"type": ["number", "null"]}}}},
        "server": {"type": ["string", "null"], "description": "address:port as the server sees itself"},
        "connected_to": {"type": "string", "description": "host:port libpq connected to"}
    },
    "required": ["in_recovery", "timeline", "system_identifier", "replication", "connected_to"],
    "additionalProperties": false
})";

constexpr const char *rows_result = R"({
    "type": "object",
    "properties": {"server": {"type": "string"}, "rows": {"type": "array", "items": {"type": "object"}}},
    "required": ["server", "rows"],
    "additionalProperties": false
})";

constexpr const char *execute_result = R"({
    "type": "object",
    "properties": {"server": {"type": "string"}, "command": {"type": "string", "description": "the command tag, e.g. CREATE TABLE"}},
    "required": ["server", "command"],
    "additionalProperties": false
})";

constexpr const char *create_table_params =
    "{\"type\": \"object\", \"properties\": {" DH_SQL_WHERE
    ", \"table\": {\"type\": \"string\", \"pattern\": \"^drillhost_[a-z0-9_]{1,40}$\", "
    "\"description\": \"drillhost_*: a name no user table has\"}, "
    "\"columns\": {\"type\": \"string\", \"minLength\": 1, \"description\": \"the column list, e.g. id int, "
    "filler text\"}}, \"required\": [\"table\", \"columns\"], \"additionalProperties\": false}";

constexpr const char *create_table_result = R"({
    "type": "object",
    "properties": {"table": {"type": "string"}, "server": {"type": "string"},
                   "where": {"type": "object", "description": "the connection params: what drop_table needs"}},
    "required": ["table", "server", "where"],
    "additionalProperties": false
})";

// The undo of create_table: the envelope the host gives an undo (plugin_api.h, dh_operation.undo).
constexpr const char *drop_table_params = R"({
    "type": "object",
    "properties": {
        "record": {"type": "object", "properties": {"table": {"type": "string", "pattern": "^drillhost_[a-z0-9_]{1,40}$"},
                                                    "where": {"type": "object"}},
                   "required": ["table", "where"]},
        "unconfirmed": {"type": "object", "properties": {"table": {"type": "string", "pattern": "^drillhost_[a-z0-9_]{1,40}$"}},
                        "required": ["table"]}
    },
    "additionalProperties": false
})";

constexpr const char *drop_table_result = R"({
    "type": "object",
    "properties": {"table": {"type": "string"}, "server": {"type": "string"},
                   "left": {"type": "string", "description": "why it was not dropped: an unconfirmed undo found a table its run did not make"}},
    "required": ["table", "server"],
    "additionalProperties": false
})";

}  // namespace schemas

#undef DH_SQL_WHERE

// status and rows only read: they run in a read-only transaction, so a query that would write fails
// instead of writing. execute is an act: whatever it changes is the caller's to put back.
struct SqlProbe : dh::Probe {
    static constexpr dh::Info info{
        "org.drillhost.probe.sql", "sql", "0.2.0",
        "PostgreSQL over libpq: recovery, timeline, replay, LSNs, replication, or any query",
        R"({"type": "object"})"};

    static constexpr auto operations() {
        using Op = dh::Operation<SqlProbe>;
        return std::array{
            Op{"status", dh::Effect::observe,
               "The member's HA view: recovery, timeline, replay, LSNs, replication", schemas::status_params,
               schemas::status_result, &SqlProbe::status},
            Op{"rows", dh::Effect::observe, "The rows of a query, as JSON, in a read-only transaction",
               schemas::sql_params, schemas::rows_result, &SqlProbe::rows},
            Op{"execute", dh::Effect::act, "Runs statements (DDL, DML) and gives the command tag",
               schemas::sql_params, schemas::execute_result, &SqlProbe::execute},
            Op{"create_table", dh::Effect::act,
               "Creates a drillhost_* table; drop_table (the undo) removes it", schemas::create_table_params,
               schemas::create_table_result, &SqlProbe::create_table, "drop_table"},
            Op{"drop_table", dh::Effect::act, "Drops the table create_table made, on the primary",
               schemas::drop_table_params, schemas::drop_table_result, &SqlProbe::drop_table},
        };
    }

    // Refuses a table that exists: what it did not create, its undo must not drop. The table is
    // marked with a comment naming the run, in the same transaction, so an undo that never learnt
    // whether it was made (the process died) drops it only if it is this run's.
    dh::json create_table(dh::Host &host, const dh::json &params) {
        auto conn = connect(connect_params(host.target(), params), /*read_only=*/false);
        std::string table = params.at("table");  // ^drillhost_[a-z0-9_]{1,40}$: the schema checked it
        std::string mark = made_by(host);
        char *literal = PQescapeLiteral(conn.get(), mark.c_str(), mark.size());
        if (literal == nullptr) throw dh::Error(DH_ERR_FAILED, "create_table: " + pg_error(conn.get()));
        std::string comment = "COMMENT ON TABLE " + table + " IS " + literal;
        PQfreemem(literal);
        // One statement per call (extended protocol): `columns` cannot carry another statement.
        for (const std::string &sql :
             {std::string("BEGIN"),
              "CREATE TABLE " + table + " (" + params.at("columns").get<std::string>() + ")", comment,
              std::string("COMMIT")}) {
            PgResult result(PQexecParams(conn.get(), sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0),
                            &PQclear);
            if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
                throw dh::Error(DH_ERR_FAILED, "create_table " + table + ": " + pg_error(result.get()));
        }
        dh::json where = dh::json::object();
        for (const char *key : {"member", "conninfo", "dbname"})
            if (params.contains(key)) where[key] = params[key];
        return {{"table", table}, {"server", pg_server(conn.get())}, {"where", where}};
    }

    // On a writable member (the primary may have moved since create_table), for up to a minute.
    dh::json drop_table(dh::Host &host, const dh::json &params) {
        bool unconfirmed = params.contains("unconfirmed");
        const dh::json &made = params.at(unconfirmed ? "unconfirmed" : "record");
        std::string table = made.at("table");
        dh::json where = unconfirmed ? made : made.at("where");
        where.erase("member");  // wherever the primary is now
        where["target_session_attrs"] = "read-write";
        where["statement_timeout_ms"] = 60000;
        std::string last_error;
        for (int attempt = 0; attempt < 60; ++attempt) {
            try {
                auto conn = connect(connect_params(host.target(), where), /*read_only=*/false);
                if (unconfirmed && !marked_by(conn.get(), table, made_by(host)))
                    return {{"table", table},
                            {"server", pg_server(conn.get())},
                            {"left", "not this run's table"}};
                PgResult result(PQexec(conn.get(), ("DROP TABLE IF EXISTS " + table).c_str()), &PQclear);
                if (PQresultStatus(result.get()) == PGRES_COMMAND_OK)
                    return {{"table", table}, {"server", pg_server(conn.get())}};
                last_error = pg_error(result.get());
            } catch (const dh::Error &e) {
                last_error = e.what();
            }
            host.sleep(std::chrono::seconds(1));
        }
        throw dh::Error(DH_ERR_UNAVAILABLE,
                        "drop_table " + table + ": no writable member for a minute: " + last_error);
    }

    dh::json status(dh::Host &host, const dh::json &params) {
        auto conn = connect(connect_params(host.target(), params), /*read_only=*/true);
        auto result = query_json(conn.get(), status_sql);
        result["connected_to"] = pg_server(conn.get());
        return result;
    }

    dh::json rows(dh::Host &host, const dh::json &params) {
        auto conn = connect(connect_params(host.target(), params), /*read_only=*/true);
        auto rows = query_json(conn.get(), "SELECT coalesce(json_agg(t), '[]'::json) FROM (" +
                                               params.at("sql").get<std::string>() + ") t");
        return {{"server", pg_server(conn.get())}, {"rows", rows}};
    }

    // DDL and DML that a SELECT wrapper would refuse.
    dh::json execute(dh::Host &host, const dh::json &params) {
        auto conn = connect(connect_params(host.target(), params), /*read_only=*/false);
        PgResult result(PQexec(conn.get(), params.at("sql").get<std::string>().c_str()), &PQclear);
        auto status = PQresultStatus(result.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            throw dh::Error(DH_ERR_FAILED, "execute failed: " + pg_error(result.get()));
        return {{"server", pg_server(conn.get())}, {"command", PQcmdStatus(result.get())}};
    }
};

DRILLHOST_PLUGIN("sql", "0.2.0", SqlProbe)
