// The injectors against the embedded cluster, each driven as an operator would: `drillhost inject`,
// observe the effect, `drillhost recover`, observe the recovery. And the crash test: faults held by
// a drill whose drillhost is kill -9ed are all undone by `drillhost recover` from a new process.
#include <signal.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "drill_runs.hpp"

namespace {

// A whole file as text ("" if it is not there).
std::string file_text(const fs::path &file) {
    std::ifstream in(file);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A drillhost running the hold-faults drill with `faults`, once they are all in (its journal says
// "holding"); the crash tests then kill -9 it. Applying them can take a while: a call that meets a
// frozen, cut-off member waits for its timeout, a scratch cluster is built.
std::unique_ptr<DrillhostProcess> holding(const Sandbox &s, const json &faults, const fs::path &journal) {
    auto held = std::make_unique<DrillhostProcess>(
        std::vector<std::string>{"--state-dir", s.state_dir.string(), "--load", plugins, "--load",
                                 HOLD_FAULTS_PLUGIN, "run", "hold-faults", "-p", "faults=" + faults.dump(),
                                 "-p", "hold_ms=120000", "--journal", journal.string()},
        s.dir.path());
    std::string text;
    bool in = eventually(
        [&] {
            text = file_text(journal);
            return contains(text, "\"holding\"");
        },
        std::chrono::seconds(90));
    INFO("journal so far:\n" << text);
    REQUIRE(in);
    return held;
}

json inject(const Sandbox &s, std::vector<std::string> args) {
    args.insert(args.begin(), "inject");
    auto r = dh(s, args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
}

void recover(const Sandbox &s, int expected) {
    auto r = dh(s, {"recover"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto report = json::parse(r.out);
    CHECK(report["reverted"] == expected);
    CHECK_MESSAGE(report["failed"].empty(), r.err);
}

// The HTTP status `from` gets for `url` inside the sandbox ("000": no answer within a second).
std::string http_from(const Sandbox &s, const std::string &from, const std::string &url) {
    auto r = s.drillhost({"sandbox", "exec", from, "--", "curl", "-s", "-m", "1", "-o", "/dev/null", "-w",
                          "%{http_code}", url});
    return r.out.substr(0, 3);
}

std::string rules_on(const Sandbox &s, const std::string &host) {
    return s.drillhost({"sandbox", "exec", host, "--", "iptables", "-S"}).out;
}

json sql_status(const Sandbox &s, const std::string &member) {
    auto r = dh(s, {"probe", "sql", "status", "-p", "member=" + member});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
}

json config(const Sandbox &s) {
    return json::parse(dh(s, {"probe", "patroni-rest", "config"}).out)["data"];
}

json patroni_of(const Sandbox &s, const std::string &member) {
    auto r = dh(s, {"probe", "patroni-rest", "patroni", "-p", "member=" + member});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out)["data"];
}

std::string a_replica(const sb::SandboxState &state) {
    return current_leader(state) == "pg-1" ? "pg-2" : "pg-1";
}

}  // namespace

TEST_CASE("partition: a host cut off from its peers, then recover removes exactly its rules") {
    Sandbox s;
    auto state = s.up();
    const std::string pg1_rest = state.member("pg-1").rest_url() + "/patroni";
    REQUIRE(http_from(s, "pg-2", pg1_rest) == "200");
    // Somebody else's rule on the same host must survive the revert.
    REQUIRE(s.drillhost({"sandbox", "exec", "pg-1", "--", "iptables", "-A", "INPUT", "-s", "10.255.255.1",
                         "-j", "DROP", "-m", "comment", "--comment", "not-ours"})
                .exit_code == 0);

    auto fault = inject(s, {"partition", "--host", "pg-1"});
    CHECK(fault["record"]["rules"] == 4);  // in and out, for each of the two peers
    CHECK(http_from(s, "pg-2", pg1_rest) == "000");
    CHECK(http_from(s, "pg-3", pg1_rest) == "000");
    CHECK(http_from(s, "pg-2", state.member("pg-3").rest_url() + "/patroni") == "200");  // others unharmed
    CHECK(contains(rules_on(s, "pg-1"), fault["record"]["comment"].get<std::string>()));

    recover(s, 1);
    CHECK(http_from(s, "pg-2", pg1_rest) == "200");
    auto rules = rules_on(s, "pg-1");
    CHECK_FALSE(contains(rules, "drillhost:"));
    CHECK(contains(rules, "not-ours"));
}

TEST_CASE("partition from the DCS only: etcd unreachable, PostgreSQL and the REST API still reachable") {
    Sandbox s;
    auto state = s.up();
    inject(s, {"partition", "--host", "pg-1", "-p", "dcs=true"});
    CHECK(http_from(s, "pg-1", state.member("pg-2").etcd_url() + "/health") == "000");
    CHECK(http_from(s, "pg-1", state.member("pg-2").rest_url() + "/patroni") == "200");
    CHECK(http_from(s, "pg-2", state.member("pg-1").rest_url() + "/patroni") == "200");
    recover(s, 1);
    CHECK(
        eventually([&] { return http_from(s, "pg-1", state.member("pg-2").etcd_url() + "/health") == "200"; },
                   std::chrono::seconds(15)));
}

TEST_CASE("service and freeze: Patroni stopped, PostgreSQL killed, Patroni frozen, each back after recover") {
    Sandbox s;
    auto state = s.up();
    std::string replica = a_replica(state);
    std::string other = replica == "pg-3" ? "pg-2" : "pg-3";
    if (other == current_leader(state)) other = "pg-1" == replica ? "pg-2" : "pg-1";
    const std::string replica_rest = state.member(replica).rest_url() + "/patroni";

    inject(s, {"service", "--host", replica, "-p", "service=patroni", "-p", "action=stop"});
    CHECK(http_from(s, other, replica_rest) == "000");
    recover(s, 1);
    CHECK(eventually([&] { return http_from(s, other, replica_rest) == "200"; }, std::chrono::seconds(30)));

    // Stopping Patroni stopped its PostgreSQL too; the restarted Patroni starts it again.
    REQUIRE(eventually(
        [&] {
            return dh(s, {"probe", "sql", "status", "-p", "member=" + replica}).exit_code == 0;
        },
        std::chrono::seconds(30)));
    auto before = sql_status(s, replica);
    auto killed = inject(s, {"service", "--host", replica, "-p", "service=postgres", "-p", "action=kill"});
    CHECK(killed["record"]["pid_before"].get<int>() > 0);
    recover(s, 1);  // waits for Patroni to start PostgreSQL again
    auto after = sql_status(s, replica);
    CHECK(after["in_recovery"] == true);
    CHECK(after["system_identifier"] == before["system_identifier"]);

    inject(s, {"freeze", "--host", other});
    CHECK(http_from(s, replica, state.member(other).rest_url() + "/patroni") == "000");
    recover(s, 1);
    CHECK(eventually(
        [&] { return http_from(s, replica, state.member(other).rest_url() + "/patroni") == "200"; },
        std::chrono::seconds(15)));
}

TEST_CASE("wal-replay-pause, maintenance and patroni-config: in effect, then restored by recover") {
    Sandbox s;
    auto state = s.up();
    std::string replica = a_replica(state);
    // Maintenance first: unpaused, Patroni resumes a paused replay on its next loop (PG 14+).
    inject(s, {"maintenance"});
    CHECK(config(s)["pause"] == true);
    for (const auto &m : state.members) CHECK(patroni_of(s, m.name)["pause"] == true);
    inject(s, {"wal-replay-pause", "--host", replica});
    CHECK(sql_status(s, replica)["wal_replay_paused"] == true);
    inject(
        s,
        {"patroni-config", "-p",
         R"(config={"maximum_lag_on_failover": 4242, "postgresql": {"parameters": {"work_mem": "8MB"}}})"});
    auto changed = config(s);
    CHECK(changed["maximum_lag_on_failover"] == 4242);
    CHECK(changed["postgresql"]["parameters"]["work_mem"] == "8MB");

    recover(s, 3);
    CHECK(sql_status(s, replica)["wal_replay_paused"] == false);
    auto restored = config(s);
    CHECK(restored.value("pause", false) == false);
    CHECK(restored["maximum_lag_on_failover"] == 1048576);
    CHECK_FALSE(restored["postgresql"]["parameters"].contains("work_mem"));  // it was not there: deleted
    CHECK(restored["postgresql"]["parameters"]["max_wal_senders"] == 10);    // the rest untouched
}

TEST_CASE("bad input: unknown hosts, a replay pause on the primary, a service that is not running") {
    Sandbox s;
    auto state = s.up();
    auto unknown = dh(s, {"inject", "partition", "--host", "pg-9"});
    CHECK(unknown.exit_code != 0);
    CHECK(contains(unknown.err, "no host 'pg-9'"));
    auto primary = dh(s, {"inject", "wal-replay-pause", "--host", current_leader(state)});
    CHECK(primary.exit_code != 0);
    CHECK(contains(primary.err, "is not in recovery"));
    inject(s, {"service", "--host", "pg-3", "-p", "service=patroni"});
    auto again = dh(s, {"inject", "service", "--host", "pg-3", "-p", "service=patroni"});
    CHECK(again.exit_code != 0);
    CHECK(contains(again.err, "is not running"));
    auto no_scope = dh(s, {"inject", "scratch-cluster", "-p", "build=plain", "-p", "hosts=[\"pg-9\"]"});
    CHECK(no_scope.exit_code != 0);
    CHECK(contains(no_scope.err, "no host 'pg-9'"));
    auto not_built = dh(s, {"inject", "scratch-cluster", "-p", "build=patroni", "-p", "scope=never-built"});
    CHECK(not_built.exit_code != 0);
    CHECK(contains(not_built.err, "inject build=plain first"));
    recover(s, 1);  // only the fault that was applied was open; the refused ones were not
}

TEST_CASE(
    "crash test: partition, freeze, maintenance and replay pause held by a kill -9ed drillhost are all "
    "undone") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    std::string replica = a_replica(state);
    std::string third =
        "pg-3" != leader && "pg-3" != replica ? "pg-3" : (replica == "pg-2" ? "pg-1" : "pg-2");
    json faults = json::array(
        {{{"injector", "org.drillhost.injector.partition"}, {"params", {{"host", third}}}},
         {{"injector", "org.drillhost.injector.freeze"}, {"params", {{"host", third}}}},
         {{"injector", "org.drillhost.injector.maintenance"}, {"params", json::object()}},
         {{"injector", "org.drillhost.injector.wal-replay-pause"}, {"params", {{"host", replica}}}}});
    auto journal = s.dir.path() / "journal.jsonl";
    auto held = holding(s, faults, journal);
    CHECK(contains(rules_on(s, third), "drillhost:"));
    CHECK(sql_status(s, replica)["wal_replay_paused"] == true);
    held->send(SIGKILL);
    held->wait(std::chrono::seconds(10));

    recover(s, 4);
    CHECK_FALSE(contains(rules_on(s, third), "drillhost:"));
    CHECK(sql_status(s, replica)["wal_replay_paused"] == false);
    CHECK(eventually(
        [&] { return http_from(s, replica, state.member(third).rest_url() + "/patroni") == "200"; },
        std::chrono::seconds(15)));  // thawed, reachable
    bool healthy = eventually(
        [&] {
            auto cluster = json::parse(dh(s, {"probe", "patroni-rest", "cluster"}).out, nullptr, false);
            int running = 0;
            for (const auto &m : cluster["data"]["members"])
                running += m["state"] == "running" || m["state"] == "streaming";
            return running == 3;
        },
        std::chrono::seconds(30));
    CHECK(healthy);
}

TEST_CASE("dcs-outage: every etcd member stopped, or one frozen, and recover brings the DCS back") {
    Sandbox s;
    auto state = s.up();
    auto etcd_health = [&](const std::string &member) {
        return http_from(s, member, state.member(member).etcd_url() + "/health");
    };
    inject(s, {"dcs-outage"});
    for (const auto &m : state.members) CHECK(etcd_health(m.name) == "000");
    recover(s, 1);
    for (const auto &m : state.members)
        CHECK(eventually([&] { return etcd_health(m.name) == "200"; }, std::chrono::seconds(20)));
    CHECK(eventually([&] { return !current_leader(state).empty(); }, std::chrono::seconds(30)));

    inject(s, {"dcs-outage", "--host", "pg-2", "-p", "mode=freeze"});
    CHECK(etcd_health("pg-2") == "000");
    // With one member frozen the others may hold an election first: healthy again within seconds.
    CHECK(eventually([&] { return etcd_health("pg-1") == "200"; }, std::chrono::seconds(15)));
    recover(s, 1);
    CHECK(eventually([&] { return etcd_health("pg-2") == "200"; }, std::chrono::seconds(15)));
}

TEST_CASE("watchdog: armed on the leader whose Patroni is frozen, it fires, and recover reports it") {
    Sandbox s;
    auto state = s.up({"--watchdog"});
    std::string leader = current_leader(state);
    std::string observer = a_replica(state);
    inject(s, {"watchdog", "--host", leader});
    inject(s, {"freeze", "--host", leader});
    // Patroni's testing driver asks for ttl - safety_margin (10 - 5 s); frozen, it stops feeding.
    CHECK(eventually(
        [&] { return contains(file_text(state.member(leader).dir / "watchdog.events.jsonl"), "\"fired\""); },
        std::chrono::seconds(20)));
    recover(s, 2);
    std::string journals;
    for (const auto &entry : fs::directory_iterator(s.state_dir / "runs"))
        if (entry.path().filename().string().rfind("recover-", 0) == 0) journals += file_text(entry.path());
    CHECK(contains(journals, "watchdog.fired"));
    CHECK(eventually(
        [&] {
            return http_from(s, a_replica(state) == leader ? "pg-3" : a_replica(state),
                             state.member(leader).rest_url() + "/patroni") == "200";
        },
        std::chrono::seconds(30)));  // the host "rebooted": Patroni is back
}

TEST_CASE("watchdog on a cluster brought up without it: armed at run time, and recover puts it all back") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    std::string original = file_text(state.member(leader).patroni_config());
    inject(s, {"watchdog", "--host", leader});  // returns once the leader opened it
    auto events = state.member(leader).dir / "watchdog.events.jsonl";
    CHECK(contains(file_text(events), "\"armed\""));
    CHECK(contains(file_text(state.member(leader).patroni_config()), "\"testing\""));
    recover(s, 1);
    CHECK(file_text(state.member(leader).patroni_config()) == original);
    CHECK(contains(file_text(events), "\"disarmed\""));  // Patroni closed it with the magic "V": no firing
    CHECK_FALSE(contains(file_text(events), "\"fired\""));
    CHECK(http_from(s, a_replica(state), state.member(leader).rest_url() + "/patroni") == "200");
}

// An inject that fails leaves nothing behind, since the host does not revert it: here the monitor
// cannot start (its program is missing), after the injector had saved the config.
TEST_CASE("watchdog: an arming that fails leaves no saved config and no monitor behind") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    std::string original = file_text(state.member(leader).patroni_config());
    setenv("DRILLHOST_BIN", "/nonexistent/drillhost", 1);  // the monitor's program, as the supervisor runs it
    auto r = dh(s, {"inject", "watchdog", "--host", leader});
    unsetenv("DRILLHOST_BIN");
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "made no FIFO"));
    CHECK_FALSE(fs::exists(state.member(leader).dir / "patroni.yml.drillhost-watchdog"));
    CHECK(file_text(state.member(leader).patroni_config()) == original);
    CHECK(shell("pgrep -f '[w]atchdog-monitor " + leader + "'").empty());
}

TEST_CASE("scratch-cluster: a hand-made primary and replica beside the cluster, removed by recover") {
    Sandbox s;
    auto state = s.up();
    inject(s, {"scratch-cluster", "-p", "build=plain", "-p", "scope=inject-test", "-p",
               "hosts=[\"pg-1\", \"pg-2\"]"});
    auto status_of = [&](const sb::Member &m) {
        std::string conninfo = "host=" + m.address + " port=" + std::to_string(m.pg_port + 100) +
                               " dbname=postgres user=" + state.superuser +
                               " password=" + state.superuser_password;
        auto r = dh(s, {"probe", "sql", "status", "-p", "conninfo=" + conninfo});
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        return json::parse(r.out);
    };
    auto primary = status_of(state.member("pg-1")), replica = status_of(state.member("pg-2"));
    CHECK(primary["in_recovery"] == false);
    CHECK(replica["in_recovery"] == true);
    CHECK(primary["system_identifier"] == replica["system_identifier"]);
    CHECK(primary["replication"].size() == 1);
    // Its own system, not the embedded cluster's.
    CHECK(primary["system_identifier"] != sql_status(s, "pg-1")["system_identifier"]);
    CHECK(fs::exists(state.member("pg-1").dir / "scratch-inject-test" /
                     "patroni.yml"));  // written, not started
    recover(s, 1);
    CHECK_FALSE(fs::exists(state.member("pg-1").dir / "scratch-inject-test"));
    CHECK_FALSE(fs::exists(state.member("pg-2").dir / "scratch-inject-test"));
    // Nothing of it listens any more when the revert returns: the next scratch cluster (takeover
    // after standby-cluster) binds the same ports at once.
    for (const char *name : {"pg-1", "pg-2"}) {
        const auto &m = state.member(name);
        std::string listening = shell("ip netns exec " + m.netns +
                                      " ss -Hltn 'sport = :" + std::to_string(m.pg_port + 100) + "'");
        CHECK_MESSAGE(listening.empty(), name << " still listens on the scratch port: " << listening);
    }
    CHECK(dh(s, {"probe", "sql", "status", "-p",
                 "conninfo=host=" + state.member("pg-1").address +
                     " port=" + std::to_string(state.member("pg-1").pg_port + 100) + " connect_timeout=1"})
              .exit_code != 0);
}

TEST_CASE(
    "crash test: a watchdog armed at run time and a running scratch cluster held by a kill -9ed drillhost "
    "are undone") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    std::string original = file_text(state.member(leader).patroni_config());
    json faults = json::array(
        {{{"injector", "org.drillhost.injector.watchdog"}, {"params", {{"host", leader}}}},
         {{"injector", "org.drillhost.injector.scratch-cluster"},
          {"params", {{"build", "plain"}, {"scope", "crash-test"}, {"hosts", {"pg-1", "pg-2"}}}}},
         {{"injector", "org.drillhost.injector.scratch-cluster"},
          {"params", {{"build", "patroni"}, {"scope", "crash-test"}, {"hosts", {"pg-1", "pg-2"}}}}}});
    auto journal = s.dir.path() / "journal.jsonl";
    auto held = holding(s, faults, journal);
    auto scratch_processes = [&] {
        return s
            .drillhost(
                {"sandbox", "exec", "pg-1", "--", "sh", "-c", "pgrep -af '[s]cratch-crash-test' || true"})
            .out;
    };
    auto scratch_keys = [&] {
        return s
            .drillhost({"sandbox", "exec", "pg-1", "--", "env", "ETCDCTL_API=3", "etcdctl",
                        "--endpoints=" + state.member("pg-1").etcd_url(), "get", "--prefix", "--keys-only",
                        "/service/crash-test/"})
            .out;
    };
    CHECK_FALSE(scratch_processes().empty());
    CHECK(eventually([&] { return contains(scratch_keys(), "/service/crash-test/leader"); },
                     std::chrono::seconds(30)));
    held->send(SIGKILL);
    held->wait(std::chrono::seconds(10));

    recover(s, 3);
    CHECK(file_text(state.member(leader).patroni_config()) == original);
    auto events = file_text(state.member(leader).dir / "watchdog.events.jsonl");
    CHECK(contains(events, "\"disarmed\""));
    CHECK_FALSE(contains(events, "\"fired\""));
    CHECK(scratch_processes().empty());
    CHECK(scratch_keys().empty());
    for (const auto &m : state.members) CHECK_FALSE(fs::exists(m.dir / "scratch-crash-test"));
}

TEST_CASE(
    "crash test: a drillhost killed while it arms the watchdog: recover puts the config back and stops the "
    "monitor it started") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    const auto &member = state.member(leader);
    auto running = [&](int pid) {  // a zombie has no command line
        return pid > 0 &&
               contains(file_text("/proc/" + std::to_string(pid) + "/cmdline"), "watchdog-monitor");
    };
    std::string original = file_text(member.patroni_config());
    // With the leader's Patroni stopped, the injector's POST /reload waits: the run dies after it
    // rewrote patroni.yml and before the fault is confirmed, so recover has no record of it.
    pid_t patroni = state.pids.at(leader + "/patroni");
    REQUIRE(::kill(patroni, SIGSTOP) == 0);
    json faults =
        json::array({{{"injector", "org.drillhost.injector.watchdog"}, {"params", {{"host", leader}}}}});
    auto journal = s.dir.path() / "journal.jsonl";
    DrillhostProcess held(
        {"--state-dir", s.state_dir.string(), "--load", plugins, "--load", HOLD_FAULTS_PLUGIN, "run",
         "hold-faults", "-p", "faults=" + faults.dump(), "--journal", journal.string()},
        s.dir.path());
    bool rewritten = eventually([&] { return contains(file_text(member.patroni_config()), "\"testing\""); },
                                std::chrono::seconds(20));
    held.send(SIGKILL);
    held.wait(std::chrono::seconds(10));
    ::kill(patroni, SIGCONT);
    REQUIRE(rewritten);
    REQUIRE_FALSE(contains(file_text(journal), "\"fault.injected\""));  // unconfirmed
    int monitor = std::atoi(file_text(member.dir / "watchdog.pid").c_str());
    CHECK(running(monitor));

    recover(s, 1);
    CHECK(file_text(member.patroni_config()) == original);
    CHECK_FALSE(fs::exists(member.dir / "patroni.yml.drillhost-watchdog"));
    CHECK_FALSE(running(monitor));
    CHECK_FALSE(contains(file_text(member.dir / "watchdog.events.jsonl"), "\"fired\""));
    CHECK(current_leader(state) == leader);  // Patroni was never left with a failing watchdog
}

TEST_CASE(
    "crash test: a drillhost killed while it stops a replica's Patroni: recover finishes the stop and starts "
    "it, so it is not left dead once the stop completes") {
    Sandbox s;
    auto state = s.up();
    std::string leader = current_leader(state);
    std::string replica = leader == "pg-1" ? "pg-2" : "pg-1";
    const auto &member = state.member(replica);
    // With the replica's postmaster stopped, its Patroni cannot finish shutting down: the run dies
    // while the stop waits, leaving an unconfirmed fault and a Patroni on its way down.
    int postmaster = std::atoi(file_text(member.data_dir() / "postmaster.pid").c_str());
    REQUIRE(postmaster > 0);
    REQUIRE(::kill(postmaster, SIGSTOP) == 0);
    json faults =
        json::array({{{"injector", "org.drillhost.injector.service"},
                      {"params", {{"host", replica}, {"service", "patroni"}, {"action", "stop"}}}}});
    auto journal = s.dir.path() / "journal.jsonl";
    DrillhostProcess held(
        {"--state-dir", s.state_dir.string(), "--load", plugins, "--load", HOLD_FAULTS_PLUGIN, "run",
         "hold-faults", "-p", "faults=" + faults.dump(), "--journal", journal.string()},
        s.dir.path());
    pid_t patroni = state.pids.at(replica + "/patroni");
    // Patroni's shutdown reached PostgreSQL: a signal waits on the stopped postmaster.
    auto pending = [&] {
        std::string status = file_text("/proc/" + std::to_string(postmaster) + "/status");
        auto at = status.find("ShdPnd:\t");
        return at != std::string::npos && status.substr(at + 8, 16) != std::string(16, '0');
    };
    bool stopping = eventually(pending, std::chrono::seconds(20));
    held.send(SIGKILL);
    held.wait(std::chrono::seconds(10));
    CHECK(stopping);
    REQUIRE_FALSE(contains(file_text(journal), "\"fault.injected\""));  // unconfirmed
    REQUIRE(::kill(patroni, 0) == 0);                                   // still on its way down

    recover(s, 1);
    ::kill(postmaster, SIGCONT);  // the old Patroni's shutdown may now end: it must not take the new one
    // Some seconds after the old shutdown could end, a Patroni runs on the member and its REST API
    // answers (the old code left none: its start saw the old one still running). Its PostgreSQL
    // coming back as a replica is Patroni's own business from here (the old postmaster was frozen
    // with a fast shutdown pending), so the member's HA loop is what is checked.
    std::this_thread::sleep_for(std::chrono::seconds(5));
    auto patroni_on_member = [&] {
        return !shell("pgrep -f '[p]atroni " + member.patroni_config().string() + "'").empty();
    };
    INFO("patroni.log ends: " << shell("tail -n 25 " + member.log("patroni").string()));
    CHECK(patroni_on_member());
    CHECK(eventually(
        [&] {
            auto view = s.drillhost({"sandbox", "exec", replica, "--", "curl", "-s", "-m", "1", "-o",
                                     "/dev/null", "-w", "%{http_code}", member.rest_url() + "/liveness"});
            return view.out == "200";
        },
        std::chrono::seconds(40)));
    CHECK(patroni_on_member());
}
