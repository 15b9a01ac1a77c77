// The sql probe against the embedded cluster: what PostgreSQL says, checked against Patroni.
#include <drillhost/sandbox/http_get.hpp>

#include <nlohmann/json.hpp>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

const std::string plugins = std::string(PLUGINS_DIR) + "/*.so";

Finished sql(const Sandbox &s, std::vector<std::string> args) {
    args.insert(args.begin(), {"--load", plugins, "--format", "json", "probe", "sql"});
    return s.drillhost(args);
}

json sql_ok(const Sandbox &s, std::vector<std::string> args) {
    auto r = sql(s, std::move(args));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE("sql probe: recovery, timeline, system identifier, replication and replay pause") {
    Sandbox s;
    auto state = s.up();
    auto leader = json::parse(sb::http_get(state.members[0].rest_url() + "/cluster").body);
    std::string primary, replica;
    for (const auto &m : leader["members"]) (m["role"] == "leader" ? primary : replica) = m["name"];

    auto on_primary = sql_ok(s, {"status", "-p", "member=" + primary});
    CHECK(on_primary["in_recovery"] == false);
    CHECK(on_primary["timeline"] == 1);
    CHECK(on_primary["wal_replay_paused"].is_null());
    CHECK(on_primary["replication"].size() == 2);
    for (const auto &r : on_primary["replication"]) CHECK(r["state"] == "streaming");
    auto patroni = json::parse(sb::http_get(state.member(primary).rest_url() + "/patroni").body);
    CHECK(on_primary["system_identifier"] == patroni["database_system_identifier"]);

    // Multi-host with target_session_attrs=read-write finds the primary whatever the order.
    auto writable = sql_ok(s, {"status", "-p", "target_session_attrs=read-write"});
    CHECK(writable["connected_to"] == state.member(primary).address + ":5432");

    auto on_replica = sql_ok(s, {"status", "-p", "member=" + replica});
    CHECK(on_replica["in_recovery"] == true);
    CHECK(on_replica["wal_replay_paused"] == false);
    CHECK(on_replica["system_identifier"] == on_primary["system_identifier"]);
    // Patroni resumes a paused replay on its next loop unless the cluster is paused (PG 14+).
    auto paused = s.drillhost({"--load", plugins, "inject", "maintenance"});
    REQUIRE_MESSAGE(paused.exit_code == 0, paused.err);
    sql_ok(s, {"rows", "-p", "member=" + replica, "-p",
               "sql=SELECT 1 AS done FROM (SELECT pg_wal_replay_pause()) p"});
    CHECK(eventually([&] {
        return sql_ok(s, {"status", "-p", "member=" + replica})["wal_replay_paused"] == true;
    }));
    sql_ok(s, {"rows", "-p", "member=" + replica, "-p",
               "sql=SELECT 1 AS done FROM (SELECT pg_wal_replay_resume()) p"});
    CHECK(sql_ok(s, {"status", "-p", "member=" + replica})["wal_replay_paused"] == false);
    auto resumed = s.drillhost({"--load", plugins, "recover"});
    REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.err);

    auto rows = sql_ok(s, {"rows", "-p", "member=" + primary, "-p",
                           "sql=SELECT n, n * 2 AS twice FROM generate_series(1, 3) n"});
    REQUIRE(rows["rows"].size() == 3);
    CHECK(rows["rows"][2]["twice"] == 6);
}

TEST_CASE("sql probe: a statement timeout and an unknown member are clear errors") {
    Sandbox s;
    s.up();
    auto slow = sql(s, {"rows", "-p", "sql=SELECT pg_sleep(5)", "-p", "statement_timeout_ms=200"});
    CHECK(slow.exit_code == 3);
    CHECK(contains(slow.err, "statement timeout"));
    auto unknown = sql(s, {"status", "-p", "member=pg-9"});
    CHECK(unknown.exit_code == 3);  // the probe's own refusal; 2 is for the host's checks (docs/cli.md)
    CHECK(contains(unknown.err, "no member 'pg-9'"));
}
