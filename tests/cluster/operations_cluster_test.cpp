// Issue 15 on the embedded cluster: an observation changes nothing, and what an act creates is gone
// after a kill -9 once `recover` ran.
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

const std::string plugins = std::string(PLUGINS_DIR) + "/*.so";

std::string snapshot(const sb::SandboxState &state) {
    std::string all;
    for (const auto &m : state.members) all += "== " + m.name + "\n" + member_objects(state, m) + "\n";
    // The cluster's own processes (Patroni, etcd, the postmasters: their command lines name its
    // directory), not every process of the machine that mentions patroni (a compiler building
    // probes/patroni_rest once made this check fail). "[/]..." keeps pgrep's shell out.
    std::string dir = state.base_dir.string();
    return all + "== processes\n" + shell("pgrep -f '[/]" + dir.substr(1) + "/' | sort");
}

// Params an observation needs to run at all; {} for the rest.
json params_for(const std::string &probe, const std::string &operation) {
    if (probe == "sql" && operation == "rows") return {{"sql", "SELECT count(*) AS n FROM pg_class"}};
    if (probe == "split-brain" && operation == "run") return {{"duration_s", 1}};
    return json::object();
}

}  // namespace

TEST_CASE(
    "observe means observe: every observe operation of the shipped probes leaves the cluster as it was") {
    Sandbox s;
    auto state = s.up();
    std::string before = snapshot(state);
    REQUIRE(contains(before, "postmaster"));
    int called = 0;
    for (std::string probe : {"patroni-rest", "sql", "writer", "pgbench", "split-brain"}) {
        auto described =
            s.drillhost({"--load", plugins, "--format", "json", "describe", "org.drillhost.probe." + probe});
        REQUIRE_MESSAGE(described.exit_code == 0, described.err);
        json component = json::parse(described.out);
        for (const auto &op : component.at("operations")) {
            if (op.at("effect") != "observe") continue;
            std::vector<std::string> args = {"--load", plugins, "probe", probe, op.at("name")};
            json params = params_for(probe, op.at("name"));
            for (const auto &[key, value] : params.items())
                args.insert(
                    args.end(),
                    {"-p", key + "=" + (value.is_string() ? value.get<std::string>() : value.dump())});
            auto r = s.drillhost(args);
            // Some cannot answer alone (writer verify before a run, split-brain stop before a start):
            // the probe's own error (3), never a usage error, and never a change.
            INFO(probe << " " << op.at("name").get<std::string>() << ": " << r.err);
            CHECK((r.exit_code == 0 || r.exit_code == 3));
            ++called;
        }
    }
    CHECK(called >= 12);
    CHECK(snapshot(state) == before);

    // The sql probe's observations run read-only: a query that would write fails and writes nothing.
    const auto &primary = state.member(current_leader(state));
    REQUIRE(contains(shell(psql(state, primary) + " -c 'CREATE SEQUENCE test_observe_seq' 2>&1"), "CREATE"));
    auto write = s.drillhost({"--load", plugins, "probe", "sql", "rows", "-p", "member=" + primary.name, "-p",
                              "sql=SELECT nextval('test_observe_seq')"});
    CHECK(write.exit_code == 3);
    CHECK_MESSAGE(contains(write.err, "read-only transaction"), write.err);
    CHECK(contains(shell(psql(state, primary) + " -Atc 'SELECT is_called FROM test_observe_seq'"), "f"));
    shell(psql(state, primary) + " -c 'DROP SEQUENCE test_observe_seq'");
    CHECK(snapshot(state) == before);
}

TEST_CASE("writer: kill -9 in the middle of a run leaves its table in the ledger, and recover drops it") {
    Sandbox s;
    auto state = s.up();
    DrillhostProcess run({"--state-dir", s.state_dir.string(), "--load", plugins, "probe", "writer", "run",
                          "-p", "duration_s=60"},
                         s.dir.path());
    REQUIRE(eventually([&] { return contains(drillhost_objects(state), "drillhost_writer_"); },
                       std::chrono::seconds(20)));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    run.send(SIGKILL);
    CHECK(run.wait().signal == SIGKILL);
    CHECK(contains(drillhost_objects(state), "drillhost_writer_"));  // still there: nobody dropped it

    auto recovered = s.drillhost({"--load", plugins, "recover"});
    INFO(recovered.out);
    INFO(recovered.err);
    CHECK(recovered.exit_code == 0);
    CHECK(eventually([&] { return drillhost_objects(state).empty(); }, std::chrono::seconds(10)));
}
