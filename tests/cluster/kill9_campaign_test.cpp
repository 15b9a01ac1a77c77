// The kill -9 campaign (tests/campaign/, issue 14). First its leftover checks, on faults put in
// place by hand with `drillhost inject`: each must be seen, and nothing once `recover` has undone
// them. Then a short campaign: 3 trials, each a random disruptive drill SIGKILLed at a random
// moment, then `recover`; the long one (N >= 30) is scripts/kill9-campaign.sh.
#include <cluster_convergence.hpp>
#include <cluster_leftovers.hpp>
#include <cluster_queries.hpp>

#include <fstream>
#include <iostream>
#include <thread>

#include "drill_runs.hpp"

namespace {

std::string joined(const std::vector<std::string> &lines) {
    std::string text;
    for (const auto &l : lines) text += "\n  " + l;
    return text;
}

// How many of `lines` contain every one of `parts`.
size_t lines_with(const std::vector<std::string> &lines, std::initializer_list<std::string> parts) {
    size_t n = 0;
    for (const auto &l : lines) {
        bool all = true;
        for (const auto &p : parts) all = all && contains(l, p);
        n += all ? 1 : 0;
    }
    return n;
}

std::string file_bytes(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE(
    "kill -9 campaign: the leftover checks report each fault left in place, and nothing after recover") {
    Sandbox s;
    auto state = s.up();
    auto converged = campaign::await_convergence(state);
    REQUIRE_MESSAGE(converged.converged, converged.reason);
    auto baseline = campaign::take_baseline(state, s.state_dir);
    campaign::LeftoverOptions options{s.state_dir, true};
    auto before = campaign::find_leftovers(state, baseline, options);
    REQUIRE_MESSAGE(before.empty(), "a fresh cluster has leftovers:" << joined(before));

    std::string leader = current_leader(state), paused_replica, cut_replica;
    for (const auto &m : state.members)
        if (m.name != leader) (paused_replica.empty() ? paused_replica : cut_replica) = m.name;
    REQUIRE(!cut_replica.empty());
    auto inject = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "inject");
        auto r = dh(s, args);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    };
    // Maintenance first: unpaused, Patroni would resume the paused replay on its next loop.
    inject({"maintenance"});
    inject({"wal-replay-pause", "--host", paused_replica});
    inject({"partition", "--host", cut_replica});
    inject({"freeze", "--host", cut_replica});
    inject({"patroni-config", "-p", R"(config={"failsafe_mode": true})"});
    // And a patroni.yml changed by hand, as an injector that died halfway through could leave it.
    const auto &changed = state.member(leader);
    std::string original = file_bytes(changed.patroni_config());
    std::ofstream(changed.patroni_config(), std::ios::app) << "# appended by the campaign's checker test\n";

    auto found = campaign::find_leftovers(state, baseline, options);
    INFO("leftovers found:" << joined(found));
    CHECK(lines_with(found, {"maintenance mode is on"}) == 1);
    CHECK(lines_with(found, {"dynamic config: /pause is true, was absent"}) == 1);
    CHECK(lines_with(found, {"dynamic config: /failsafe_mode is true, was false"}) == 1);
    CHECK(lines_with(found, {paused_replica + ": WAL replay is paused"}) == 1);
    CHECK(lines_with(found, {cut_replica + ": ", "iptables rule(s) tagged by drillhost"}) == 1);
    CHECK(lines_with(found, {cut_replica + ": process ", "is stopped (SIGSTOP)", "patroni"}) >= 1);
    CHECK(lines_with(found, {leader + ": patroni.yml changed"}) == 1);
    CHECK(lines_with(found, {"open ledger: "}) == 5);  // one per inject
    for (const auto &line : found) CHECK_MESSAGE(!contains(line, state.superuser_password), line);

    auto r = dh(s, {"recover"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(json::parse(r.out)["reverted"] == 5);
    std::ofstream(changed.patroni_config(), std::ios::binary | std::ios::trunc) << original;
    converged = campaign::await_convergence(state);
    REQUIRE_MESSAGE(converged.converged, converged.reason);
    auto after = campaign::find_leftovers(state, baseline, options);
    CHECK_MESSAGE(after.empty(), "leftovers after recover:" << joined(after));
}

// Found by the campaign (primary-down-maintenance SIGKILLed while the paused primary was down):
// recover started that PostgreSQL with pg_ctl, behind Patroni's back, and Patroni 3.0.2 then showed
// the leader "stopped" in /cluster for good, even after the resume. The revert now asks Patroni
// (POST /restart), as the drill itself does.
TEST_CASE(
    "kill -9 campaign: a paused primary's PostgreSQL left stopped is started through Patroni by recover") {
    Sandbox s;
    auto state = s.up();
    auto baseline = campaign::take_baseline(state, s.state_dir);
    std::string leader = current_leader(state);
    for (auto args : std::vector<std::vector<std::string>>{
             {"inject", "maintenance"},
             {"inject", "service", "--host", leader, "-p", "service=postgres", "-p", "action=stop", "-p",
              "restart_wait_s=1"}}) {
        auto r = dh(s, args);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    // Down longer than ttl, as in the drill: Patroni 3.0.2 releases the paused leader's key.
    std::this_thread::sleep_for(std::chrono::seconds(state.options.ttl + 2 * state.options.loop_wait + 2));
    auto r = dh(s, {"recover"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(contains(r.err, "started postgres again through Patroni"));
    auto converged = campaign::await_convergence(state);
    CHECK_MESSAGE(converged.converged, converged.reason);
    auto after = campaign::find_leftovers(state, baseline, {s.state_dir, converged.converged});
    CHECK_MESSAGE(after.empty(), "leftovers after recover:" << joined(after));
}

// Observed behaviour, not a law: with the fixes of issue 14 (maintenance resumes with
// {"pause": null}) every trial here came out clean or, for a split-brain drill, counted apart. A
// leftover in any trial fails the test, naming it.
TEST_CASE(
    "kill -9 campaign: 3 trials of random disruptive drills SIGKILLed at random, then recover: no leftover") {
    Sandbox s;
    s.up();
    auto logs = s.dir.path() / "campaign-logs";
    auto ran = campaign::run_program(
        {KILL9_CAMPAIGN_BIN, "--trials", "3", "--state-dir", s.state_dir.string(), "--plugins", PLUGINS_DIR,
         "--drillhost", DRILLHOST_BIN, "--log-dir", logs.string()},
        std::chrono::minutes(14));
    std::cerr << ran.out << ran.err;  // the trials and the figures, in the test's log
    INFO("campaign output:\n" << ran.out << ran.err);
    CHECK(contains(ran.out, "\n3 trials, "));
    CHECK(contains(ran.out, ", 0 with leftovers"));
    CHECK(ran.exit_code == 0);
}
