// The local transport runs for real here; the others are checked for how they resolve and what
// they refuse (netns and ssh run for real in the cluster tests).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/service_control.hpp>
#include <drillhost/core/transport.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

using namespace drillhost;
using nlohmann::json;

TEST_CASE("local exec: stdout, stderr and the exit code come back separately") {
    auto r = exec_on({{"kind", "local"}}, {"sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK(r.exit_code == 3);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");
    CHECK_FALSE(r.timed_out);
    CHECK_FALSE(r.ok());
}

TEST_CASE("local exec: output is caught in unlinked files, so a killed drillhost leaves none in /tmp") {
    auto r =
        exec_on({{"kind", "local"}}, {"sh", "-c", "readlink /proc/self/fd/1; readlink /proc/self/fd/2 >&2"});
    CHECK(r.ok());
    CHECK(r.out.find("(deleted)") != std::string::npos);
    CHECK(r.err.find("(deleted)") != std::string::npos);
    auto big = exec_on({{"kind", "local"}}, {"sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x"});
    CHECK(big.out == std::string(3000000, 'x'));
}

TEST_CASE("local exec: a command past its timeout is killed and says so") {
    auto start = std::chrono::steady_clock::now();
    auto r = exec_on({{"kind", "local"}}, {"sleep", "30"}, std::chrono::milliseconds(200));
    CHECK(r.timed_out);
    CHECK(r.signal == SIGKILL);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("a program that is not installed names what to install") {
    CHECK_THROWS_WITH_AS(exec_on({{"kind", "local"}}, {"drillhost-no-such-program"}),
                         doctest::Contains("is not installed"), InfraError);
}

TEST_CASE("a host resolves to its own transport, its netns, or ssh with the target's defaults") {
    json target = {{"ssh", {{"user", "admin"}, {"port", 2222}, {"key", "/k"}}},
                   {"members",
                    {{{"name", "a"}, {"address", "10.0.0.1"}},
                     {{"name", "b"}, {"netns", "dh-pg-2"}, {"address", "10.0.0.2"}},
                     {{"name", "c"}, {"transport", {{"kind", "local"}}}}}}};
    auto a = transport_for(target, "a");
    CHECK(a["kind"] == "ssh");
    CHECK(a["host"] == "10.0.0.1");
    CHECK(a["user"] == "admin");
    CHECK(a["port"] == 2222);
    CHECK(describe_transport(a) == "ssh admin@10.0.0.1:2222");
    CHECK(transport_for(target, "b") == json{{"kind", "netns"}, {"netns", "dh-pg-2"}});
    CHECK(transport_for(target, "c")["kind"] == "local");
    CHECK_THROWS_WITH_AS(transport_for(target, "z"), doctest::Contains("the hosts are a, b, c"), UsageError);
    CHECK_THROWS_AS(exec_on({{"kind", "telnet"}}, {"true"}), UsageError);
    CHECK_THROWS_WITH_AS(exec_on({{"kind", "netns"}}, {"true"}), doctest::Contains("\"netns\" is missing"),
                         UsageError);
}

TEST_CASE("shell quoting survives spaces, quotes and dollars") {
    CHECK(shell_quote("plain-word_1.2:3") == "plain-word_1.2:3");
    CHECK(shell_quote("two words") == "'two words'");
    CHECK(shell_quote("it's $HOME") == "'it'\\''s $HOME'");
    CHECK(shell_quote("") == "''");
    auto r = exec_on({{"kind", "local"}}, {"sh", "-c", "printf %s " + shell_quote("it's $HOME; `x`")});
    CHECK(r.out == "it's $HOME; `x`");
}

TEST_CASE("a target of a kind no registered backend claims is refused, never run as systemd") {
    json target = {{"kind", "my-orchestrator"}, {"members", {{{"name", "a"}, {"address", "10.0.0.1"}}}}};
    CHECK_THROWS_WITH_AS(service_backend(target, "a", "patroni"),
                         doctest::Contains("no service backend serves targets of kind 'my-orchestrator'"),
                         UsageError);
    // The embedded cluster's own kind too, in a program that did not register its backend.
    target["kind"] = "drillhost-sandbox";
    CHECK_THROWS_AS(service_backend(target, "a", "patroni"), UsageError);
    // Without a kind: systemd, the core's own rule.
    target.erase("kind");
    CHECK(service_backend(target, "a", "patroni")["kind"] == "systemd");
}

namespace {

// A directory with a fake `ssh` first on PATH for the scope: it prints the remote command it was
// given (its last argument) and exits as `script` says, so the command line is checked without a host.
struct FakeSsh {
    std::string dir, old_path;
    explicit FakeSsh(const std::string &script) {
        char pattern[] = "/tmp/drillhost-unit-ssh-XXXXXX";
        dir = ::mkdtemp(pattern);
        std::string path = dir + "/ssh";
        FILE *f = std::fopen(path.c_str(), "w");
        std::fprintf(f, "#!/bin/sh\nfor last; do :; done\n%s\n", script.c_str());
        std::fclose(f);
        ::chmod(path.c_str(), 0755);
        old_path = std::getenv("PATH");
        ::setenv("PATH", (dir + ":" + old_path).c_str(), 1);
    }
    ~FakeSsh() {
        ::setenv("PATH", old_path.c_str(), 1);
        std::remove((dir + "/ssh").c_str());
        ::rmdir(dir.c_str());
    }
};

}  // namespace

TEST_CASE(
    "ssh with sudo: the remote command runs under sudo -n, and a sudo that wants a password is an error") {
    json t = {{"kind", "ssh"}, {"host", "10.0.0.1"}, {"user", "dba"}, {"sudo", true}};
    {
        FakeSsh ssh("echo \"$last\"");
        auto r = exec_on(t, {"systemctl", "stop", "patroni"}, std::chrono::milliseconds(10000));
        CHECK(r.out == "LC_ALL=C sudo -n timeout -k 2 10 systemctl stop patroni\n");
        t.erase("sudo");
        CHECK(exec_on(t, {"iptables", "-S"}, std::chrono::milliseconds(3000)).out ==
              "timeout -k 2 3 iptables -S\n");
        t["sudo"] = true;
    }
    FakeSsh refusing("echo 'sudo: a password is required' >&2; exit 1");
    CHECK_THROWS_WITH_AS(exec_on(t, {"iptables", "-S"}),
                         "ssh dba@10.0.0.1:22 (sudo): sudo -n refused to run iptables (sudo: a password is "
                         "required): give dba passwordless sudo (NOPASSWD in sudoers), or log in as root",
                         InfraError);
}

TEST_CASE("ssh with sudo: a sudo warning beside a command that failed by itself is the command's result") {
    json t = {{"kind", "ssh"}, {"host", "10.0.0.1"}, {"user", "dba"}, {"sudo", true}};
    FakeSsh warning("echo 'sudo: unable to resolve host pg-1: Name or service not known' >&2; exit 1");
    auto r = exec_on(t, {"grep", "softdog", "/proc/modules"});
    CHECK(r.exit_code == 1);  // grep found nothing: not a refusal
}

TEST_CASE("systemd over ssh with sudo: the command lines a service stop, kill and freeze send") {
    // The embedded cluster's hosts have no systemd: its command lines are checked here, as the
    // host would receive them (a fake ssh logs each remote command and answers like systemctl).
    char log_pattern[] = "/tmp/drillhost-unit-systemd-XXXXXX";
    int fd = ::mkstemp(log_pattern);
    REQUIRE(fd >= 0);
    ::close(fd);
    const std::string log = log_pattern;
    FakeSsh ssh("echo \"$last\" >> " + log +
                "; case \"$last\" in *is-active*) echo inactive; exit 3;; *MainPID*) echo 0;; esac");
    json target = {{"ssh", {{"user", "dba"}, {"sudo", true}}},
                   {"services", {{"patroni", "patroni-pg15"}}},
                   {"members", {{{"name", "db1"}, {"address", "10.0.0.1"}}}}};
    json backend = service_backend(target, "db1", "patroni");
    CHECK(backend["kind"] == "systemd");
    CHECK(control_service(backend, "stop")["running"] == false);
    control_service(backend, "kill", "SIGKILL");
    control_service(backend, "freeze");
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::remove(log.c_str());
    REQUIRE(lines.size() == 9);  // each action, then is-active and MainPID
    CHECK(lines[0].rfind("LC_ALL=C sudo -n timeout -k 2 ", 0) == 0);
    CHECK(lines[0].substr(lines[0].find(" systemctl")) == " systemctl stop patroni-pg15");
    CHECK(lines[1].substr(lines[1].find(" systemctl")) == " systemctl is-active patroni-pg15");
    CHECK(lines[2].substr(lines[2].find(" systemctl")) ==
          " systemctl show --property=MainPID --value patroni-pg15");
    CHECK(lines[3].substr(lines[3].find(" systemctl")) ==
          " systemctl kill --kill-who=main --signal=9 patroni-pg15");  // systemctl takes a number
    CHECK(lines[6].substr(lines[6].find(" systemctl")) ==
          " systemctl kill --kill-who=all --signal=SIGSTOP patroni-pg15");
}
