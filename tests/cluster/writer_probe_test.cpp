// The writer probe against the embedded cluster: a switchover loses no acknowledged write, and a
// row deleted behind its back is reported lost (the checker can fail).
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

const std::string plugins = std::string(PLUGINS_DIR) + "/*.so";

DrillhostProcess start_writer(const Sandbox &s, const std::string &seconds) {
    return DrillhostProcess({"--state-dir", s.state_dir.string(), "--load", plugins, "--format", "json",
                             "probe", "writer", "run", "-p", "duration_s=" + seconds},
                            s.dir.path());
}

json finish(DrillhostProcess &writer) {
    auto r = writer.wait(std::chrono::seconds(120));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
}
}  // namespace

TEST_CASE("writer: a switchover loses no acknowledged write, and the gap is measured") {
    Sandbox s;
    auto state = s.up();
    auto writer = start_writer(s, "10");
    std::this_thread::sleep_for(std::chrono::seconds(3));
    std::string candidate = switch_leader(s, state, plugins);
    auto result = finish(writer);
    MESSAGE("writer across a switchover: " << result.dump());
    CHECK(result["verify"]["lost"] == 0);
    CHECK(result["verify"]["rows_on_primary"] == result["acknowledged"]);
    CHECK(result["verify"]["primary"] == state.member(candidate).address + ":5432");
    CHECK(result["longest_gap_ms"].get<double>() > 50);  // writes did stop for the switchover
    CHECK(result["longest_gap_ms"].get<double>() < 30000);
    CHECK(result["acknowledged"].get<int>() > 1000);
    // No fault time given: the outage is measured from where the longest gap began.
    CHECK(result["fault_source"] == "start of the longest gap (no fault_ms given)");
    CHECK(result["rto_ms"] == result["longest_gap_ms"]);
    CHECK(result["failed_commits"].get<int>() > 0);  // the old primary refused or dropped some

    // The evidence in the journal (docs/ledger.md, "The writer's evidence"): per 100 ms, and per
    // timeline with WAL positions: the switchover shows as a second timeline.
    json series, wal;
    for (const auto &entry : fs::directory_iterator(s.state_dir / "runs")) {
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);) {
            auto e = json::parse(line);
            if (e.value("name", "") == "writer.series") series = e["details"];
            if (e.value("name", "") == "writer.wal") wal = e["details"];
        }
    }
    REQUIRE(series.is_object());
    REQUIRE(wal.is_object());
    CHECK(series["version"] == 1);
    CHECK(series["buckets"].size() >= 90);  // 10 s in 100 ms buckets
    size_t acknowledged = 0, empty = 0;
    for (const auto &row : series["buckets"]) {
        acknowledged += row[1].get<size_t>();
        empty += row[1] == 0;
    }
    CHECK(acknowledged == result["acknowledged"].get<size_t>());
    CHECK(empty >= 1);  // the switchover's gap
    REQUIRE(wal["timelines"].size() == 2);
    CHECK(wal["timelines"][1]["timeline"].get<int>() == wal["timelines"][0]["timeline"].get<int>() + 1);
    CHECK(wal["timelines"][0]["last"]["lsn"].is_string());
    CHECK(wal["timelines"][1]["first"]["lsn"].is_string());
}

TEST_CASE("writer: an acknowledged row deleted behind its back is reported lost") {
    Sandbox s;
    auto state = s.up();
    auto writer = start_writer(s, "4");
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const auto &primary = state.member(current_leader(state));
    std::string conninfo =
        "host=" + primary.address + " user=postgres dbname=postgres password=" + state.superuser_password;
    std::string remove =
        R"(DO $$DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE tablename LIKE 'drillhost_writer_%' LOOP EXECUTE format('DELETE FROM %I WHERE id IN (5, 6)', t); END LOOP; END$$;)";
    auto sql_file = s.dir.path() / "delete.sql";  // a file: the shell must not expand the $$ quoting
    std::ofstream(sql_file) << remove << '\n';
    auto out =
        shell("psql '" + conninfo + "' -v ON_ERROR_STOP=1 -f " + sql_file.string() + " 2>&1; echo rc=$?");
    REQUIRE_MESSAGE(contains(out, "rc=0"), out);
    auto result = finish(writer);
    CHECK(result["verify"]["lost"] == 2);
    CHECK(result["verify"]["lost_ids"] == json::array({5, 6}));
}
