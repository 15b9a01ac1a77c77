// The pgbench probe against the embedded cluster: init (an act undone at once from the command
// line, refused on tables it did not make), a select-only run on one replica with its series and
// summary, a read-write run cut by a switchover (clients abort: exit status 2, decoded), and no
// pgbench (nor its script) left behind when drillhost is killed. The runs use tables the test makes
// itself (pgbench -i), as a user's own would be: `probe pgbench init` leaves none behind.
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

const std::string plugins = std::string(PLUGINS_DIR) + "/*.so";

json pgbench(const Sandbox &s, std::vector<std::string> args) {
    args.insert(args.begin(), {"--load", plugins, "--format", "json", "probe", "pgbench"});
    auto r = s.drillhost(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
}

// pgbench's tables made by the test itself on the primary, as a user would have them.
void own_tables(const sb::SandboxState &state, int scale = 1) {
    const auto &primary = state.member(current_leader(state));
    auto out =
        shell("PGPASSWORD='" + state.superuser_password + "' pgbench -i -q -s " + std::to_string(scale) +
              " 'host=" + primary.address + " user=postgres dbname=postgres' 2>&1; echo rc=$?");
    REQUIRE_MESSAGE(contains(out, "rc=0"), out);
}

bool pgbench_running() {
    return !shell("pgrep -f '[d]rillhost-pgbench'").empty();
}

}  // namespace

TEST_CASE("pgbench: init, then select-only on one replica gives a series and pgbench's summary") {
    Sandbox s;
    auto state = s.up();
    std::string primary = current_leader(state);
    const auto &replica = state.members[primary == "pg-1" ? 1 : 0];
    auto no_tables = [&] {
        return contains(
            shell(psql(state, replica) + " -Atc \"SELECT to_regclass('pgbench_accounts') IS NULL\""), "t");
    };
    // From the command line, init is an act undone before the command returns: nothing is left.
    auto init = pgbench(s, {"init", "-p", "scale=2"});
    CHECK(init["exit"]["code"] == 0);
    CHECK(init["connection"].is_object());
    CHECK(eventually(no_tables, std::chrono::seconds(5)));

    own_tables(state, 2);
    CHECK(eventually([&] {
        return contains(shell(psql(state, replica) + " -Atc 'SELECT count(*) FROM pgbench_accounts'"),
                        "200000");
    }));
    // Tables it did not make: init refuses them (pgbench -i would replace them, drop would remove them).
    auto refused = s.drillhost({"--load", plugins, "probe", "pgbench", "init"});
    CHECK(refused.exit_code == 3);
    CHECK_MESSAGE(contains(refused.err, "already exist"), refused.err);

    auto run = pgbench(s, {"run", "-p", "builtin=select-only", "-p", "duration_s=3", "-p",
                           "member=" + replica.name, "-p", "target_session_attrs=any"});
    INFO(run.dump());
    CHECK(run["exit"]["code"] == 0);
    CHECK(run["ended_by_itself"] == true);
    CHECK(run["aborted_clients"] == 0);
    REQUIRE(run["series"].size() >= 2);
    for (const auto &point : run["series"]) CHECK(point["tps"].get<double>() > 0);
    CHECK(run["series"][1]["t_ms"].get<double>() > run["series"][0]["t_ms"].get<double>());
    REQUIRE(run["summary"].is_object());
    CHECK(run["summary"]["transaction_type"] == "<builtin: select only>");
    CHECK(run["summary"]["transactions"].get<long>() > 100);
    CHECK(run["summary"]["failed"] == 0);

    // A script of one's own is read from an unnamed file (pgbench -f -).
    auto custom =
        pgbench(s, {"run", "-p", "script=SELECT count(*) FROM pgbench_branches;", "-p", "duration_s=2", "-p",
                    "member=" + replica.name, "-p", "target_session_attrs=any"});
    INFO(custom.dump());
    CHECK(custom["exit"]["code"] == 0);
    CHECK(custom["summary"]["transaction_type"] == "-");
    CHECK(custom["summary"]["transactions"].get<long>() > 10);

    // drop is init's undo: given init's record, it removes the tables (here the test's own).
    pgbench(s, {"drop", "-p", "record=" + json{{"connection", json::object()}}.dump()});
    CHECK(eventually(no_tables, std::chrono::seconds(5)));
}

TEST_CASE("pgbench: a switchover aborts its clients, and the exit status says so") {
    Sandbox s;
    auto state = s.up();
    own_tables(state);
    DrillhostProcess run({"--state-dir", s.state_dir.string(), "--load", plugins, "--format", "json", "probe",
                          "pgbench", "run", "-p", "duration_s=20"},
                         s.dir.path());
    std::this_thread::sleep_for(std::chrono::seconds(3));
    switch_leader(s, state, plugins);
    auto finished = run.wait(std::chrono::seconds(60));
    REQUIRE_MESSAGE(finished.exit_code == 0, finished.err);
    auto result = json::parse(finished.out);
    INFO(result.dump());
    CHECK(result["exit"]["code"] == 2);
    CHECK(contains(result["exit"]["meaning"], "clients aborted"));
    CHECK(result["aborted_clients"] == 2);
    CHECK(result["ended_by_itself"] == true);  // all clients gone: pgbench ended well before 20 s
    CHECK(result["series"].size() >= 2);       // the load before the switchover was recorded
    CHECK_FALSE(pgbench_running());
}

TEST_CASE("pgbench: killing drillhost leaves neither pgbench loading the cluster nor its script in /tmp") {
    Sandbox s;
    own_tables(s.up());
    auto temp_files_before = drillhost_temp_files();
    DrillhostProcess run({"--state-dir", s.state_dir.string(), "--load", plugins, "probe", "pgbench", "run",
                          "-p", "duration_s=60", "-p", "script=SELECT 1;"},
                         s.dir.path());
    REQUIRE(eventually([] { return pgbench_running(); }, std::chrono::seconds(10)));
    run.send(SIGKILL);
    CHECK(eventually([] { return !pgbench_running(); }, std::chrono::seconds(5)));
    CHECK(drillhost_temp_files() == temp_files_before);  // the script never was a file with a name
}
