// `drillhost run --all` on the default embedded cluster, as the README's main job runs it: every
// drill in order of impact, each verdict as measured on Patroni 3.0.2 with etcd3, and the summary's
// numbers equal to the journal's.
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "default_cluster_expectations.hpp"
#include "drill_runs.hpp"

TEST_CASE("run --all: every drill, least disruptive first, verdicts as measured, summary = journal") {
    Sandbox s;
    s.up();
    // The table a person reads, with progress on stderr: drill, elapsed, phase.
    auto table = s.drillhost({"--load", plugins, "run", "cluster-status", "switchover"});
    CHECK(contains(table.out, "org.drillhost.drill.switchover"));
    CHECK(contains(table.out, "2 drill(s) in"));
    CHECK(contains(table.err, "[2/2 switchover +"));

    // The quorum variant of sync-standby needs Patroni 4: on an older one it is skipped, saying why, and
    // changes nothing. Asked before run --all, on the healthy cluster its precondition wants.
    if (patroni_under_test().empty()) {
        auto quorum = run_drill(s, {"sync-standby", "-p", "mode=quorum"});
        CHECK(quorum["outcome"] == "skipped");
        CHECK(contains(quorum["message"].get<std::string>(),
                       "synchronous_mode: quorum needs Patroni 4.0 or later"));
        CHECK(quorum["faults_injected"] == 0);
    }

    auto started = std::chrono::steady_clock::now();
    auto r = dh(s, {"run", "--all"}, std::chrono::minutes(30));
    double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60;
    MESSAGE("run --all took " << minutes << " min on this machine (target: 10 min on 2 cores)");
    auto report = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(report.is_object(), r.out << r.err);
    INFO(r.err.substr(r.err.size() > 20000 ? r.err.size() - 20000 : 0));

    // Which drills, in which order: impact never decreases (see dh_impact).
    std::vector<std::string> order;
    for (const auto &d : report["drills"]) order.push_back(d["drill"]);
    auto describe = json::parse(dh(s, {"list"}).out);
    std::map<std::string, int> impact;
    for (const auto &c : describe)
        if (c.contains("impact"))
            impact[c["id"]] = c["impact"]["level"] == 0 ? 99 : c["impact"]["level"].get<int>();
    CHECK(order.size() == 22);
    for (size_t i = 1; i < order.size(); ++i)
        CHECK_MESSAGE(impact[order[i - 1]] <= impact[order[i]], order[i]);
    CHECK(order.front() == "org.drillhost.drill.cluster-status");

    // Every drill passes but the split-brain ones. fencing-watchdog passes: the watchdog fences the
    // frozen leader (its run without the watchdog is a measurement). frozen-leader finds two
    // writable primaries (no watchdog). network-partition runs after it, on whatever frozen-leader left:
    // on 3.0.2 a member that followed the losing primary may no longer be able to follow anyone, and the
    // healed old leader may take the key back (etcd3), so its verdict is not asserted here, only that it ran
    // and reverted its faults; drill_checkers_test asserts it on a fresh etcd v2 cluster.
    CHECK(order.back() == "org.drillhost.drill.network-partition");
    for (const auto &d : report["drills"]) {
        INFO(d["drill"].get<std::string>() << ": " << failed_assertions(d) << d["message"]);
        CHECK(d["faults_left_open"] == 0);
        if (d["drill"] == "org.drillhost.drill.network-partition") {
            CHECK(d["outcome"] != "error");
            MESSAGE("network-partition after frozen-leader: " << d["outcome"] << " " << failed_assertions(d));
        } else if (d["drill"] == "org.drillhost.drill.dcs-down-primary-client") {
            // may fail its demotion timing alone: check_dcs_down_primary_client, below
        } else if (d["drill"] == "org.drillhost.drill.frozen-leader") {
            CHECK(d["outcome"] == "failed");
            CHECK(verdict(d, "never two writable primaries") == "fail");
            CHECK(measurement(d, "split_brain") > 0);
            // When the resumed old leader takes the key back (the etcd3 race of 3.0.2), a member that
            // followed the new one can be left on a dead timeline; when it yields, all must converge.
            if (verdict(d, "the resumed leader yields to the new one") == "pass")
                CHECK(verdict(d, "converged") == "pass");
        } else {
            CHECK(d["outcome"] == "passed");
        }
    }
    CHECK(r.exit_code == 1);  // a drill failed

    // The numbers in the summary are the journal's, drill by drill.
    auto lines = journal_lines(report["journal"]);
    for (const auto &d : report["drills"]) {
        std::vector<std::pair<std::string, double>> in_journal, in_summary;
        for (const auto &l : lines)
            if (l["type"] == "measurement" && l["drill"] == d["drill"])
                in_journal.emplace_back(l["name"], l["value"]);
        for (const auto &m : d["measurements"]) in_summary.emplace_back(m["name"], m["value"]);
        CHECK_MESSAGE(in_summary == in_journal, d["drill"]);
        size_t verdicts = 0;
        for (const auto &l : lines) verdicts += l["type"] == "verdict" && l["drill"] == d["drill"];
        CHECK(verdicts == d["assertions"].size());
    }
    // What each drill must report on this cluster, beyond its outcome (default_cluster_expectations.hpp).
    check_default_cluster_expectations(report, lines);

    // Nothing drillhost made is left on any member (issue 15): no drillhost_* or pgbench_* table,
    // drillhost role or slot. The leader is the authority; a replica may show a table the leader
    // dropped only while it has not replayed that far (network-partition on 3.0.2 can leave a
    // member behind on a dead timeline, see above): then it is reported with its lag, not counted.
    auto state = sb::load_state(s.state_dir);
    REQUIRE(state.has_value());
    check_default_cluster_restored(s, *state);
    std::string left;
    eventually(
        [&] {
            left = drillhost_objects(*state);
            return left.empty();
        },
        std::chrono::seconds(30));
    std::string leader = current_leader(*state);
    REQUIRE_MESSAGE(!leader.empty(), "no leader after run --all: " << left);
    std::string leader_lsn =
        shell(psql(*state, state->member(leader)) + " -Atc 'SELECT pg_current_wal_lsn()' 2>/dev/null");
    leader_lsn = leader_lsn.substr(0, leader_lsn.find('\n'));
    std::istringstream left_lines(left);
    for (std::string line; std::getline(left_lines, line);) {
        std::string member = line.substr(0, line.find(':'));
        if (member != leader && !leader_lsn.empty()) {
            std::string behind =
                shell(psql(*state, state->member(member)) +
                      " -Atc \"SELECT pg_is_in_recovery() AND pg_wal_lsn_diff('" + leader_lsn +
                      "', coalesce(pg_last_wal_replay_lsn(), '0/0')) > 0\" 2>/dev/null");
            if (contains(behind, "t")) {
                MESSAGE(line << " (a replica that has not replayed the leader's WAL up to " << leader_lsn
                             << ")");
                continue;
            }
        }
        CHECK_MESSAGE((!contains(line, "table ") && !contains(line, "role ") && !contains(line, "slot ")),
                      line << " (leader " << leader << ")");
        CHECK_MESSAGE(member != leader, line);  // the leader always answers
    }
}
