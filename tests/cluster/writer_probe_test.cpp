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
