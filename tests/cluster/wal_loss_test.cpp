// A failover's loss held against what Patroni promises, on the embedded cluster: the lost WAL
// beyond the new timeline's switch point, split at the old leader's last published position.
// Replication is cut (iptables on the PostgreSQL port only, the DCS still reachable) so that every
// write of the drill is an unreplicated tail that the asynchronous failover loses.
#include <fstream>
#include <sstream>

#include "drill_runs.hpp"

namespace {

json event(const std::vector<json> &journal, const std::string &name) {
    for (const auto &l : journal)
        if (l["type"] == "event" && l["name"] == name) return l["details"];
    return nullptr;
}

uint64_t lsn_value(const std::string &text) {
    auto slash = text.find('/');
    return (std::stoull(text.substr(0, slash), nullptr, 16) << 32) |
           std::stoull(text.substr(slash + 1), nullptr, 16);
}

// The switch point of the member's current timeline, read by hand: the last line of its
// pg_wal/<timeline>.history file ("1<TAB>0/3000148<TAB>no recovery target specified").
uint64_t switch_point_by_hand(const sb::SandboxState &state, const std::string &member) {
    std::string history =
        shell(psql(state, state.member(member)) +
              " -At -c \"SELECT pg_read_file('pg_wal/' || lpad(upper(to_hex(timeline_id)), 8, "
              "'0') || '.history') FROM pg_control_checkpoint()\"");
    std::string last;
    std::istringstream lines(history);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) last = line;
    auto tab = last.find('\t');
    REQUIRE_MESSAGE(tab != std::string::npos, "no history on " << member << ": " << history);
    return lsn_value(last.substr(tab + 1, last.find('\t', tab + 1) - tab - 1));
}

}  // namespace

TEST_CASE(
    "loss: an asynchronous failover losing a known tail reports the WAL bytes the LSNs read by hand say") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    cut_replication(s, state, leader);
    std::string journal_path = (s.dir.path() / "loss.jsonl").string();
    auto r = dh(s, {"run", "primary-down-node-lost", "--journal", journal_path, "-p", "settle_s=1"});
    auto report = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(report.is_object(), r.err);
    const json &drill = report["drills"][0];
    INFO(drill.dump());
    REQUIRE(verdict(drill, "a new leader took over") == "pass");
    auto journal = journal_lines(journal_path);
    json loss = event(journal, "writer.wal_loss");
    REQUIRE_MESSAGE(loss.is_object(), "no writer.wal_loss event");
    std::string new_leader = current_leader(state);
    REQUIRE(!new_leader.empty());
    REQUIRE(new_leader != leader);

    // By hand: the new timeline forked where its history file says; the old timeline's last
    // acknowledged commit is where the writer's per-timeline record says it was written (the highest
    // LSN: with several clients the commit acknowledged last is not always the one written last).
    uint64_t switch_lsn = switch_point_by_hand(state, new_leader);
    json wal = event(journal, "writer.wal");
    uint64_t last_old = lsn_value(wal["timelines"][0]["highest_lsn"]);
    CHECK(last_old >= lsn_value(wal["timelines"][0]["last"]["lsn"]));
    CHECK(lsn_value(loss["wal_loss"]["switch_lsn"]) == switch_lsn);
    CHECK(measurement(drill, "lost_wal_bytes") == static_cast<double>(last_old - switch_lsn));
    CHECK(measurement(drill, "lost_writes") == wal["timelines"][0]["acknowledged"].get<double>());
    // The split: behind the last publish and after it add up to the whole.
    CHECK(measurement(drill, "lost_behind_published_bytes") +
              measurement(drill, "lost_after_published_bytes") ==
          measurement(drill, "lost_wal_bytes"));
    CHECK(verdict(drill, "lost WAL behind the last published position within maximum_lag_on_failover") ==
          "pass");
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
}

TEST_CASE("loss: WAL lost behind the last publish beyond the bound the drill was given fails the check") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    // The drill reads 64 KiB as its bound; Patroni holds it back too, until the bound is raised to
    // 1 MiB behind the drill's back once the leader is dead, and promotes a replica lagging past it.
    set_maximum_lag(s, 65536);
    cut_replication(s, state, leader);
    std::string journal_path = (s.dir.path() / "bound.jsonl").string();
    DrillhostProcess run({"--state-dir", s.state_dir.string(), "--load", plugins, "--format", "json", "run",
                          "primary-down-node-lost", "--journal", journal_path, "-p", "settle_s=3"},
                         s.dir.path());
    bool killed = eventually(
        [&] {
            for (const auto &l : journal_lines(journal_path))
                if (l["type"] == "fault.injected" && l["params"].value("action", "") == "kill") return true;
            return false;
        },
        std::chrono::seconds(60));
    REQUIRE(killed);
    REQUIRE(dh(s, {"inject", "patroni-config", "-p", R"(config={"maximum_lag_on_failover": 1048576})"})
                .exit_code == 0);
    auto finished = run.wait(std::chrono::minutes(5));
    auto report = json::parse(finished.out, nullptr, false);
    REQUIRE_MESSAGE(report.is_object(), finished.err);
    const json &drill = report["drills"][0];
    INFO(drill.dump());
    CHECK(verdict(drill, "a new leader took over") == "pass");
    CHECK(verdict(drill, "lost WAL behind the last published position within maximum_lag_on_failover") ==
          "fail");
    CHECK(measurement(drill, "lost_behind_published_bytes") > 65536);
    CHECK(finished.exit_code == 1);
    REQUIRE(dh(s, {"recover"}).exit_code == 0);
}
