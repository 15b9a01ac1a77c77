// The pgbench probe against the embedded cluster: init, a select-only run on one replica with its
// series and summary, a read-write run cut by a switchover (clients abort: exit status 2, decoded),
// and no pgbench (nor its script) left behind when drillhost is killed.
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

bool pgbench_running() {
    return !shell("pgrep -f '[d]rillhost-pgbench'").empty();
}

}  // namespace

TEST_CASE("pgbench: init, then select-only on one replica gives a series and pgbench's summary") {
    Sandbox s;
    auto state = s.up();
    auto init = pgbench(s, {"init", "-p", "scale=2"});
    CHECK(init["exit"]["code"] == 0);
    std::string primary = current_leader(state);
    const auto &replica = state.members[primary == "pg-1" ? 1 : 0];
    CHECK(contains(shell(psql(state, replica) + " -Atc 'SELECT count(*) FROM pgbench_accounts'"), "200000"));

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

    pgbench(s, {"drop"});
    CHECK(contains(shell(psql(state, replica) + " -Atc \"SELECT to_regclass('pgbench_accounts') IS NULL\""),
                   "t"));
}

TEST_CASE("pgbench: a switchover aborts its clients, and the exit status says so") {
    Sandbox s;
    auto state = s.up();
    pgbench(s, {"init"});
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
    s.up();
    pgbench(s, {"init"});
    auto temp_files_before = drillhost_temp_files();
    DrillhostProcess run({"--state-dir", s.state_dir.string(), "--load", plugins, "probe", "pgbench", "run",
                          "-p", "duration_s=60", "-p", "script=SELECT 1;"},
                         s.dir.path());
    REQUIRE(eventually([] { return pgbench_running(); }, std::chrono::seconds(10)));
    run.send(SIGKILL);
    CHECK(eventually([] { return !pgbench_running(); }, std::chrono::seconds(5)));
    CHECK(drillhost_temp_files() == temp_files_before);  // the script never was a file with a name
}
