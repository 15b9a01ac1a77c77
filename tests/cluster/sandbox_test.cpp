// The embedded cluster for real: namespaces, etcd, Patroni, PostgreSQL 15, iptables, through the
// drillhost binary as a user drives it. Every test brings its own sandbox up and down.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <drillhost/sandbox/http_get.hpp>
#include <drillhost/sandbox/sandbox_state.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "sandbox_fixture.hpp"

using nlohmann::json;

namespace {

// Exited, or a zombie nobody reaped yet: either way it no longer runs.
bool gone(pid_t pid) {
    return kill(pid, 0) != 0 || shell("ps -o stat= -p " + std::to_string(pid)).find('Z') != std::string::npos;
}

}  // namespace

TEST_CASE("up, status, exec and down, with nothing left behind") {
    Sandbox s;
    auto state = s.up();
    CHECK(state.members.size() == 3);

    auto status = s.drillhost({"--format", "json", "sandbox", "status"});
    REQUIRE(status.exit_code == 0);
    auto members = json::parse(status.out)["cluster"]["members"];
    REQUIRE(members.size() == 3);
    // The Patroni in charge and the timing it uses, as Debian's `patroni --version` and GET /config say.
    std::string version = shell("patroni --version");
    version = version.substr(version.rfind(' ') + 1);
    version.erase(version.find_last_not_of(" \n") + 1);
    if (patroni_under_test().empty()) CHECK(json::parse(status.out)["patroni_version"] == version);
    CHECK(json::parse(status.out)["timing"]["used"]["ttl"] == (patroni_under_test().empty() ? 10 : 20));
    CHECK(state.patroni.version == json::parse(status.out)["patroni_version"]);
    int leaders = 0;
    for (const auto &m : members) {
        leaders += m["role"] == "leader";
        CHECK((m["state"] == "running" || m["state"] == "streaming"));  // a 3.1+ replica streams
    }
    CHECK(leaders == 1);

    auto exec = s.drillhost({"sandbox", "exec", "pg-2", "--", "ip", "-4", "-o", "addr", "show", "eth0"});
    CHECK(exec.exit_code == 0);
    CHECK(contains(exec.out, state.member("pg-2").address + "/24"));

    auto down = s.drillhost({"sandbox", "down"});
    CHECK(down.exit_code == 0);
    CHECK(leftovers(s.state_dir) == "");
    auto again = s.drillhost({"sandbox", "down"});
    CHECK(again.exit_code == 2);
    CHECK(contains(again.err, "no sandbox to tear down"));
}

TEST_CASE("every member answers its REST API, and `up` twice is refused") {
    Sandbox s;
    auto state = s.up();
    for (const auto &m : state.members) {
        auto reply = sb::http_get(m.rest_url() + "/patroni");
        CHECK_MESSAGE(reply.status == 200, m.name);
        auto body = json::parse(reply.body, nullptr, false);
        REQUIRE_FALSE(body.is_discarded());
        CHECK(body["patroni"]["scope"] == "drillhost");
    }
    auto second = s.drillhost({"sandbox", "up"});
    CHECK(second.exit_code == 2);
    CHECK(contains(second.err, "already up"));
}

TEST_CASE("an iptables DROP on one host really cuts it off from another") {
    Sandbox s;
    auto state = s.up();
    const auto &a = state.member("pg-1");
    const auto &b = state.member("pg-2");
    const auto &c = state.member("pg-3");
    auto curl_from = [&](const sb::Member &from, const sb::Member &to) {
        return s.drillhost({"sandbox", "exec", from.name, "--", "curl", "-s", "-m", "2", "-o", "/dev/null",
                            "-w", "%{http_code}", to.rest_url() + "/patroni"});
    };
    CHECK(curl_from(b, a).out == "200");
    auto drop = s.drillhost({"sandbox", "exec", a.name, "--", "iptables", "-A", "INPUT", "-s", b.address,
                             "-j", "DROP", "-m", "comment", "--comment", "drillhost-test"});
    REQUIRE(drop.exit_code == 0);
    auto cut = curl_from(b, a);
    CHECK(cut.exit_code != 0);            // curl: timed out
    CHECK(curl_from(c, a).out == "200");  // only b is cut off
    // The rule lives in pg-1's namespace, not in the machine's own tables.
    CHECK(shell("iptables-save 2>/dev/null | grep drillhost-test").empty());
}

TEST_CASE("the watchdog monitor fires on a frozen Patroni and not on a healthy one") {
    Sandbox s;
    auto state = s.up({"--watchdog"});
    auto status = json::parse(s.drillhost({"--format", "json", "sandbox", "status"}).out);
    std::string leader;
    for (const auto &m : status["cluster"]["members"])
        if (m["role"] == "leader") leader = m["name"];
    REQUIRE_FALSE(leader.empty());
    const auto &m = state.member(leader);
    auto events = [&](const sb::Member &member) {
        std::ifstream in(member.dir / "watchdog.events.jsonl");
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return all;
    };
    // Healthy for longer than the watchdog timeout (ttl - safety_margin = 5 s): armed, never fired.
    std::this_thread::sleep_for(std::chrono::seconds(state.options.ttl - 5 + 3));
    CHECK(contains(events(m), "\"armed\""));
    for (const auto &member : state.members) CHECK_FALSE(contains(events(member), "\"fired\""));

    pid_t patroni = state.pids.at(m.name + "/patroni");
    REQUIRE(kill(patroni, SIGSTOP) == 0);
    bool fired = eventually([&] { return contains(events(m), "\"fired\""); }, std::chrono::seconds(20));
    CHECK(fired);
    CHECK(eventually([&] { return gone(patroni); }, std::chrono::seconds(5)));
}

TEST_CASE("`up` after a crash (kill -9 of everything) cleans up and succeeds") {
    Sandbox s;
    auto state = s.up();
    for (const auto &[service, pid] : state.pids) kill(pid, SIGKILL);
    std::string dir = s.state_dir.string();
    shell("pkill -9 -f '[" + dir.substr(0, 1) + "]" + dir.substr(1) + "'");
    // SIGKILL is delivered asynchronously: on a busy machine a killed Patroni can still be running when
    // the next command starts (CI saw `up` refuse "already up"). The crash is over once they are gone.
    for (const auto &[service, pid] : state.pids)
        REQUIRE_MESSAGE(eventually([pid = pid] { return gone(pid); }), service, " survived SIGKILL");
    auto again = s.drillhost({"sandbox", "up"});
    CHECK_MESSAGE(again.exit_code == 0, again.err);
    CHECK(contains(again.err, "removed what an earlier run left behind"));
    auto status = s.drillhost({"sandbox", "status"});
    CHECK(status.exit_code == 0);
    CHECK(contains(status.out, "Leader"));
}

TEST_CASE("bad input: a clashing subnet, an illegal ttl, status or exec with no sandbox") {
    Sandbox s;
    auto clash = s.drillhost({"sandbox", "up", "--subnet", "127.0.0.0/24"});
    CHECK(clash.exit_code == 2);
    CHECK(contains(clash.err, "overlaps"));
    auto ttl = s.drillhost({"sandbox", "up", "--ttl", "5", "--loop-wait", "1", "--retry-timeout", "3"});
    CHECK(ttl.exit_code == 2);
    CHECK(contains(ttl.err, "loop_wait + 2 * retry_timeout <= ttl"));
    CHECK(leftovers(s.state_dir) == "");
    auto status = s.drillhost({"sandbox", "status"});
    CHECK(status.exit_code == 2);
    CHECK(contains(status.err, "no sandbox is up"));
    auto exec = s.drillhost({"sandbox", "exec", "pg-1", "--", "true"});
    CHECK(exec.exit_code == 2);
    CHECK(contains(exec.err, "no sandbox is up"));
}

TEST_CASE("without namespaces (not root) members share 127.0.0.1 with distinct ports, with a notice") {
    TempDir dir;
    fs::permissions(dir.path(), fs::perms::all);
    REQUIRE(chown(dir.path().c_str(), 65534, 65534) == 0);  // nobody:nogroup
    std::string as_nobody =
        "cd " + dir.path().string() +
        " && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=" + dir.path().string() + " " +
        DRILLHOST_BIN + " --state-dir " + dir.path().string() + "/state ";
    {
        // A port the sandbox needs is taken: a clear error, nothing made.
        int holder = socket(AF_INET, SOCK_STREAM, 0);
        int reuse = 1;
        setsockopt(holder, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(15433);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(holder, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
        listen(holder, 1);
        auto taken = shell(as_nobody + "sandbox up 2>&1; echo rc=$?");
        close(holder);
        CHECK(contains(taken, "port 15433 on 127.0.0.1 is already in use"));
        CHECK(contains(taken, "rc=2"));
    }
    auto up = shell(as_nobody + "sandbox up 2>&1; echo rc=$?");
    CHECK_MESSAGE(contains(up, "rc=0"), up);
    CHECK(contains(up, "not root: network namespaces need CAP_NET_ADMIN; members share 127.0.0.1"));
    CHECK(contains(up, "127.0.0.1:15432"));
    CHECK(contains(up, "127.0.0.1:15434"));
    CHECK(contains(up, "Leader"));
    auto down = shell(as_nobody + "sandbox down 2>&1; echo rc=$?");
    CHECK_MESSAGE(contains(down, "rc=0"), down);
    CHECK(shell("pgrep -f '[" + dir.path().string().substr(0, 1) + "]" + dir.path().string().substr(1) + "'")
              .empty());
}

TEST_CASE("`run` with no target brings a default cluster up, drills against it, and removes it") {
    Sandbox s;
    auto r =
        s.drillhost({"--load", std::string(EXAMPLES_DIR) + "/*.so", "run", "org.drillhost.example.c-hello"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(contains(r.err, "bringing a default one up"));
    CHECK(contains(r.err, "target: the embedded cluster"));
    CHECK(leftovers(s.state_dir) == "");
}
