// The split-brain sampler against the embedded cluster: a healthy cluster has one writable member
// throughout, sampled at 10 Hz or more; a replica promoted behind Patroni's back (cluster paused, so
// Patroni leaves it alone) must be reported as a second writable member, with the window's length.
#include <nlohmann/json.hpp>
#include <thread>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

const std::string plugins = std::string(PLUGINS_DIR) + "/*.so";

DrillhostProcess start_sampler(const Sandbox &s, const std::string &seconds) {
    return DrillhostProcess({"--state-dir", s.state_dir.string(), "--load", plugins, "--format", "json",
                             "probe", "split-brain", "run", "-p", "duration_s=" + seconds},
                            s.dir.path());
}

json finish(DrillhostProcess &sampler) {
    auto r = sampler.wait(std::chrono::seconds(60));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
}
}  // namespace

TEST_CASE("split-brain sampler: a healthy cluster has one writable member, sampled at 10 Hz or more") {
    Sandbox s;
    auto state = s.up();
    auto sampler = start_sampler(s, "3");
    auto result = finish(sampler);
    CHECK(result["split_brain"] == false);
    CHECK(result["overlaps"].empty());
    std::string primary = current_leader(state);
    for (const auto &m : state.members) {
        const auto &seen = result["members"][m.name];
        INFO(m.name << ": " << seen.dump());
        CHECK(seen["samples"].get<int>() >= 30);  // 3 s at 10 Hz at least
        CHECK(seen["no_answer"] == 0);
        CHECK(seen["writable"] == (m.name == primary ? seen["samples"] : json(0)));
    }
}

TEST_CASE("split-brain sampler: a replica promoted outside Patroni is reported with the window") {
    Sandbox s;
    auto state = s.up();
    std::string primary = current_leader(state);
    const auto &replica = state.members[primary == "pg-1" ? 1 : 0];
    auto sampler = start_sampler(s, "6");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    // Paused, Patroni keeps its hands off PostgreSQL, so nothing demotes the second primary.
    auto paused = s.drillhost(
        {"--load", plugins, "probe", "patroni-rest", "patch_config", "-p", R"(body={"pause":true})"});
    REQUIRE_MESSAGE(paused.exit_code == 0, paused.err);
    std::string conninfo =
        "host=" + replica.address + " user=postgres dbname=postgres password=" + state.superuser_password;
    auto promoted = shell("psql '" + conninfo + "' -Atc 'SELECT pg_promote()' 2>&1");
    REQUIRE_MESSAGE(contains(promoted, "t"), promoted);
    auto result = finish(sampler);
    INFO(result.dump());
    REQUIRE(result["split_brain"] == true);
    REQUIRE(result["overlaps"].size() == 1);
    const auto &window = result["overlaps"][0];
    CHECK(window["members"] ==
          json::array({std::min(primary, replica.name), std::max(primary, replica.name)}));
    CHECK(window["duration_ms"].get<double>() > 2000);  // promoted about 1 s in, sampled until 6 s
    CHECK(window["end_ms"].get<double>() >= result["stopped_ms"].get<double>() - 500);  // never resolved
}
