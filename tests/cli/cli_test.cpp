// The drillhost binary as a user drives it: listing, refusing broken plugins, running, exit codes,
// and the fault ledger across SIGINT, timeouts and kill -9.
#include <doctest/doctest.h>
#include <drillhost/plugin_api.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process.hpp"
#include "temp_dir.hpp"
#include "test_text.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string examples = std::string(EXAMPLES_DIR) + "/*.so";
const std::string fixtures = std::string(FIXTURE_DIR) + "/*.so";

struct Sandbox {
    TempDir dir;
    fs::path marker = dir.path() / "fault.marker";
    std::vector<std::string> with_state(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--state-dir", (dir.path() / "state").string()});
        return args;
    }
    // A drill that injects the marker fault and holds it for a minute: the fault to crash or cancel.
    std::unique_ptr<DrillhostProcess> hold_marker_fault() const {
        return std::make_unique<DrillhostProcess>(
            with_state({"--load", examples, "run", "--target", "none", "org.drillhost.example.marker", "-p",
                        "hold_ms=60000", "-p", "path=" + marker.string()}),
            dir.path());
    }
    Finished drillhost(const std::vector<std::string> &args) const {
        return run_drillhost(with_state(args), dir.path());
    }
    size_t pending_ledgers() const {
        size_t n = 0;
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(dir.path() / "state" / "ledger", ec))
            n += e.path().extension() == ".jsonl";
        return n;
    }
};

}  // namespace

TEST_CASE("--version names the plugin ABI") {
    Sandbox s;
    auto r = s.drillhost({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "plugin ABI " + std::to_string(DH_ABI_VERSION_MAJOR) + "." +
                              std::to_string(DH_ABI_VERSION_MINOR)));
}

TEST_CASE("list shows the examples") {
    Sandbox s;
    auto r = s.drillhost({"--load", examples, "list"});
    CHECK(r.exit_code == 0);
    for (auto id : {"org.drillhost.example.c-hello", "org.drillhost.example.marker",
                    "org.drillhost.example.file", "org.drillhost.example.file-exists"})
        CHECK_MESSAGE(contains(r.out, id), r.out);
}

TEST_CASE("broken plugins are reported and the others still load") {
    Sandbox s;
    auto r = s.drillhost({"--load", fixtures, "--load", examples, "list"});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "org.drillhost.example.marker"));
    CHECK(contains(r.out, "org.drillhost.test.error-drill"));
    for (auto file : {"no_entry.so", "abi_major_next.so", "abi_minor_newer.so", "schema_not_json.so",
                      "schema_invalid.so", "half_injector.so", "not_elf.so", "duplicate_b.so"})
        CHECK_MESSAGE(contains(r.err, file), file);
}

TEST_CASE("an example built for ABI major + 1 is refused with both versions named") {
    Sandbox s;
    auto r = s.drillhost({"--load", std::string(FIXTURE_DIR) + "/abi_major_next.so", "list"});
    CHECK(contains(r.err, "built for plugin ABI 2." + std::to_string(DH_ABI_VERSION_MINOR) +
                              ", this host implements ABI 1." + std::to_string(DH_ABI_VERSION_MINOR)));
    CHECK_FALSE(contains(r.out, "org.drillhost.example.c-hello"));
}

TEST_CASE("run --all on the examples passes, and the summary matches the journal") {
    Sandbox s;
    auto r = s.drillhost({"--load", examples, "--format", "json", "run", "--target", "none", "--all"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto summary = json::parse(r.out);
    REQUIRE(summary["drills"].size() == 2);
    std::ifstream journal(summary["journal"].get<std::string>());
    std::vector<json> lines;
    for (std::string line; std::getline(journal, line);) lines.push_back(json::parse(line));
    for (const auto &drill : summary["drills"]) {
        CHECK(drill["outcome"] == "passed");
        for (const auto &m : drill["measurements"]) {
            bool in_journal = std::any_of(lines.begin(), lines.end(), [&](const json &l) {
                return l["type"] == "measurement" && l["drill"] == drill["drill"] && l["name"] == m["name"] &&
                       l["value"] == m["value"];
            });
            CHECK_MESSAGE(in_journal, m.dump());
        }
    }
    CHECK(s.pending_ledgers() == 0);
}

TEST_CASE("usage errors exit 2 with a message saying what and where") {
    Sandbox s;
    auto unknown = s.drillhost({"--load", examples, "run", "--target", "none", "org.drillhost.example.nope"});
    CHECK(unknown.exit_code == 2);
    CHECK(contains(unknown.err, "no drill 'org.drillhost.example.nope'"));

    auto bad = s.drillhost(
        {"--load", examples, "run", "--target", "none", "org.drillhost.example.marker", "-p", "hold_ms=-1"});
    CHECK(bad.exit_code == 2);
    CHECK(contains(bad.err, "/hold_ms"));

    auto nothing = s.drillhost({"--load", examples, "run"});
    CHECK(nothing.exit_code == 2);

    auto bad_target = s.drillhost({"--load", examples, "run", "--all", "--target", "/nonexistent.yaml"});
    CHECK(bad_target.exit_code == 2);
    CHECK(contains(bad_target.err, "/nonexistent.yaml"));
}

TEST_CASE("a drill error exits 1 and says why") {
    Sandbox s;
    auto r = s.drillhost({"--load", fixtures, "run", "--target", "none", "org.drillhost.test.error-drill"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "the fixture failed on purpose"));
}

TEST_CASE("SIGINT or SIGTERM stops the drill and reverts its fault before exiting") {
    for (int signo : {SIGINT, SIGTERM}) {
        CAPTURE(signo);
        Sandbox s;
        auto p = s.hold_marker_fault();
        REQUIRE(eventually([&] { return fs::exists(s.marker); }));
        p->send(signo);
        auto r = p->wait(std::chrono::seconds(20));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "cancelled"));
        CHECK(contains(r.err, signo == SIGINT ? "SIGINT" : "SIGTERM"));
        CHECK_FALSE(fs::exists(s.marker));
        CHECK(s.pending_ledgers() == 0);
    }
}

TEST_CASE("a per-drill timeout reverts the fault") {
    Sandbox s;
    auto r = s.drillhost({"--load", examples, "run", "--target", "none", "org.drillhost.example.marker",
                          "--timeout", "0.5", "-p", "hold_ms=60000", "-p", "path=" + s.marker.string()});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "timed out"));
    CHECK_FALSE(fs::exists(s.marker));
}

TEST_CASE("kill -9 mid-drill, then `drillhost recover` reverts what was left") {
    Sandbox s;
    auto p = s.hold_marker_fault();
    REQUIRE(eventually([&] { return fs::exists(s.marker); }));

    // While the run lives, recover must leave its faults alone.
    auto early = s.drillhost({"--load", examples, "recover"});
    CHECK(early.exit_code == 0);
    CHECK(contains(early.out, "1 live run(s) left alone"));
    CHECK(fs::exists(s.marker));

    p->send(SIGKILL);
    CHECK(p->wait().signal == SIGKILL);
    CHECK(fs::exists(s.marker));  // the crash left the fault in place
    CHECK(s.pending_ledgers() == 1);

    auto recovered = s.drillhost({"--load", examples, "recover"});
    CHECK(recovered.exit_code == 0);
    CHECK(contains(recovered.out, "1 fault(s) reverted"));
    CHECK_FALSE(fs::exists(s.marker));
    CHECK(s.pending_ledgers() == 0);
}

TEST_CASE("recover without the injector keeps the fault open and exits 3, and with it finishes") {
    Sandbox s;
    auto p = s.hold_marker_fault();
    REQUIRE(eventually([&] { return fs::exists(s.marker); }));
    p->send(SIGKILL);
    p->wait();

    auto without = s.drillhost({"--load", std::string(EXAMPLES_DIR) + "/example_c_hello.so", "recover"});
    CHECK(without.exit_code == 3);
    CHECK(contains(without.err, "injector 'org.drillhost.example.file' is not loaded"));
    CHECK(fs::exists(s.marker));
    CHECK(s.pending_ledgers() == 1);

    auto with = s.drillhost({"--load", examples, "recover"});
    CHECK(with.exit_code == 0);
    CHECK_FALSE(fs::exists(s.marker));
}

// --repeat: the spread of each number is nearest-rank over the runs the journal records, and a drill
// whose runs end differently is unstable, with exit 1 even though most of its runs passed.
TEST_CASE("run --repeat 3 gives p50, p95 and max from the journal, and marks a flaky drill unstable") {
    Sandbox s;
    std::string counter = (s.dir.path() / "runs").string();
    auto r = s.drillhost({"--load", fixtures, "--format", "json", "run", "--target", "none", "--repeat", "3",
                          "flaky-drill", "-p", "counter=" + counter});
    CHECK(r.exit_code == 1);
    auto summary = json::parse(r.out);
    CHECK(summary["repeat"] == 3);
    CHECK(summary["drills"].size() == 3);
    REQUIRE(summary["repeats"].size() == 1);
    const auto &flaky = summary["repeats"][0];
    CHECK(flaky["unstable"] == true);
    CHECK(flaky["verdicts"] == json::array({"passed", "passed", "failed"}));
    CHECK(flaky["outcomes"] == json{{"failed", 1}, {"passed", 2}});

    // By hand, from the journal: the rto of each run, sorted; nearest rank ceil(p x 3).
    std::ifstream journal(summary["journal"].get<std::string>());
    std::vector<double> rto;
    for (std::string line; std::getline(journal, line);) {
        auto entry = json::parse(line);
        if (entry["type"] == "measurement" && entry["name"] == "rto") rto.push_back(entry["value"]);
    }
    REQUIRE(rto.size() == 3);
    std::sort(rto.begin(), rto.end());
    const auto &spread = flaky["measurements"][0];
    CHECK(spread["name"] == "rto");
    CHECK(spread["p50"] == rto[1]);  // ceil(0.50 x 3) = 2nd
    CHECK(spread["p95"] == rto[2]);  // ceil(0.95 x 3) = 3rd
    CHECK(spread["max"] == rto[2]);
    CHECK(spread["p50"] == 2000);

    // The table says it too, with each run's numbers side by side.
    auto table = s.drillhost({"--load", fixtures, "run", "--target", "none", "--repeat", "3", "flaky-drill",
                              "-p", "counter=" + counter});
    CHECK(table.exit_code == 1);
    CHECK(contains(table.out, "flaky-drill (unstable)"));
    CHECK(contains(table.out, "UNSTABLE org.drillhost.test.flaky-drill"));
    CHECK(contains(table.out, "run 3: failed; rto=6000 ms"));  // runs 4 to 6 of the counter
    CHECK(contains(table.out, "rto=5000 / 6000 / 6000 ms"));
}

TEST_CASE("run --repeat with the same verdict every time is stable and exits 0") {
    Sandbox s;
    auto r = s.drillhost({"--load", fixtures, "--format", "json", "run", "--target", "none", "--repeat", "2",
                          "flaky-drill", "-p", "counter=" + (s.dir.path() / "runs").string(), "-p",
                          "fail_every=100"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    auto summary = json::parse(r.out);
    REQUIRE(summary["repeats"].size() == 1);
    CHECK(summary["repeats"][0]["unstable"] == false);
    auto bad = s.drillhost({"--load", fixtures, "run", "--target", "none", "--repeat", "0", "flaky-drill"});
    CHECK(bad.exit_code == 2);
    CHECK(contains(bad.err, "--repeat"));
}
