// Issue 14: a plugin that crashes ends only its own drill. Each test runs the real binary, as a user
// would, with plugins that segfault, abort, throw across the C ABI, hang, or crash in a revert.
#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"
#include "test_text.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string examples = std::string(EXAMPLES_DIR) + "/*.so";
const std::string crashing = std::string(FIXTURE_DIR) + "/crashing/crashing_plugins.so";
const std::string hold_faults = std::string(FIXTURE_DIR) + "/hold_faults.so";

struct Scratch {
    TempDir dir;
    fs::path state = dir.path() / "state";

    Finished drillhost(std::vector<std::string> args,
                       std::chrono::milliseconds limit = std::chrono::seconds(60)) const {
        args.insert(args.begin(), {"--state-dir", state.string(), "--load", examples, "--load", crashing,
                                   "--load", hold_faults});
        return run_drillhost(args, dir.path(), limit);
    }
    std::vector<fs::path> files_in(const fs::path &sub) const {
        std::vector<fs::path> out;
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(state / sub, ec))
            if (e.is_regular_file()) out.push_back(e.path());
        return out;
    }
    json summary(const Finished &f) const {
        INFO(f.out);
        INFO(f.err);
        return json::parse(f.out);
    }
};

json drill_named(const json &summary, const std::string &id) {
    for (const auto &d : summary.at("drills"))
        if (d.at("drill") == id) return d;
    FAIL("no drill " << id << " in the summary");
    return {};
}

std::string file_fault(const fs::path &path) {
    return json{{"injector", "org.drillhost.example.file"}, {"params", {{"path", path.string()}}}}.dump();
}

}  // namespace

TEST_CASE("run: segfault, abort, throw, hang and a NULL host each end only their drill, the next ones run") {
    Scratch s;
    fs::path marker = s.dir.path() / "after.marker";
    auto f = s.drillhost({"--format", "json", "run", "--target", "none", "--timeout", "3", "--grace", "1",
                          "org.drillhost.test.segv-drill", "org.drillhost.test.abort-drill",
                          "org.drillhost.test.throw-drill", "org.drillhost.test.hang-drill",
                          "org.drillhost.test.null-host-drill", "org.drillhost.example.marker", "-p",
                          "org.drillhost.example.marker:path=" + marker.string()});
    INFO(f.err);
    CHECK(f.signal == 0);
    CHECK(f.exit_code == 1);
    json summary = s.summary(f);
    REQUIRE(summary.at("drills").size() == 6);
    json segv = drill_named(summary, "org.drillhost.test.segv-drill");
    CHECK(segv["outcome"] == "crashed");
    CHECK(contains(segv["message"], "SIGSEGV"));
    json aborted = drill_named(summary, "org.drillhost.test.abort-drill");
    CHECK(aborted["outcome"] == "crashed");
    CHECK(contains(aborted["message"], "SIGABRT"));
    json threw = drill_named(summary, "org.drillhost.test.throw-drill");
    CHECK(threw["outcome"] == "crashed");
    CHECK(contains(threw["message"], "thrown past the SDK"));
    json hung = drill_named(summary, "org.drillhost.test.hang-drill");
    CHECK(hung["outcome"] == "timed out");
    CHECK(hung["duration_ms"].get<double>() < 10'000);  // the 3 s timeout plus the 1 s grace, not for ever
    json null_host = drill_named(summary, "org.drillhost.test.null-host-drill");
    // A NULL host table is refused (DH_ERR_INVALID_ARGUMENT = 1), never read through: an error, not a crash.
    CHECK(null_host["outcome"] == "error");
    CHECK(contains(null_host["message"],
                   "record_event(NULL, ...) gave 1: the host table passed to a host function is NULL"));
    json normal = drill_named(summary, "org.drillhost.example.marker");
    CHECK(normal["outcome"] == "passed");
    CHECK_FALSE(fs::exists(marker));
    CHECK(s.files_in("ledger").empty());  // nothing open: the ledger was closed
    CHECK(s.files_in("ledger/closed").size() == 1);

    // The table a person reads names every drill and how it ended.
    auto text = s.drillhost({"run", "--target", "none", "--timeout", "3", "--grace", "1",
                             "org.drillhost.test.segv-drill", "org.drillhost.example.marker", "-p",
                             "org.drillhost.example.marker:path=" + marker.string()});
    CHECK(text.exit_code == 1);
    CHECK(contains(text.out, "org.drillhost.test.segv-drill"));
    CHECK(contains(text.out, "crashed"));
    CHECK(contains(text.out, "org.drillhost.example.marker"));
}

TEST_CASE("run: a drill that injects a fault and then segfaults has the fault reverted by the parent") {
    Scratch s;
    fs::path marker = s.dir.path() / "fault.marker";
    auto f = s.drillhost({"--format", "json", "run", "--target", "none",
                          "org.drillhost.test.inject-then-segv", "-p", "path=" + marker.string()});
    CHECK(f.exit_code == 1);
    json drill = drill_named(s.summary(f), "org.drillhost.test.inject-then-segv");
    CHECK(drill["outcome"] == "crashed");
    CHECK(contains(drill["message"], "SIGSEGV"));
    CHECK(drill["faults_injected"] == 1);
    CHECK(drill["faults_left_open"] == 0);
    CHECK_FALSE(fs::exists(marker));
    CHECK(s.files_in("ledger").empty());
}

TEST_CASE(
    "run: an injector whose revert crashes does not stop the other faults of the ledger from being "
    "reverted") {
    Scratch s;
    fs::path first = s.dir.path() / "first.marker", crashing_one = s.dir.path() / "crashing.marker",
             last = s.dir.path() / "last.marker";
    std::string faults = "[" + file_fault(first) + "," +
                         json{{"injector", "org.drillhost.test.crashing-revert"},
                              {"params", {{"path", crashing_one.string()}}}}
                             .dump() +
                         "," + file_fault(last) + "]";
    auto f = s.drillhost({"--format", "json", "run", "--target", "none", "org.drillhost.test.hold-faults",
                          "-p", "faults=" + faults, "-p", "hold_ms=0"});
    CHECK(f.exit_code == 3);  // a fault is left open: recover must finish it
    json drill = drill_named(s.summary(f), "org.drillhost.test.hold-faults");
    CHECK(drill["faults_injected"] == 3);
    CHECK(drill["faults_left_open"] == 1);
    CHECK_FALSE(fs::exists(first));
    CHECK_FALSE(fs::exists(last));
    CHECK(fs::exists(crashing_one));
    CHECK(contains(f.err, "SIGSEGV"));

    // recover tries again, in a worker; it crashes again and is reported, the ledger stays.
    auto again = s.drillhost({"recover"});
    INFO(again.out);
    INFO(again.err);
    CHECK(again.exit_code != 0);
    CHECK(again.signal == 0);
    CHECK(contains(again.out + again.err, "SIGSEGV"));
    CHECK(s.files_in("ledger").size() == 1);
}

TEST_CASE("recover: a revert that crashes fails only its fault, the others of a killed run are reverted") {
    Scratch s;
    fs::path first = s.dir.path() / "first.marker", crashing_one = s.dir.path() / "crashing.marker",
             last = s.dir.path() / "last.marker";
    std::string faults = "[" + file_fault(first) + "," +
                         json{{"injector", "org.drillhost.test.crashing-revert"},
                              {"params", {{"path", crashing_one.string()}}}}
                             .dump() +
                         "," + file_fault(last) + "]";
    DrillhostProcess run({"--state-dir", s.state.string(), "--load", examples, "--load", crashing, "--load",
                          hold_faults, "run", "--target", "none", "org.drillhost.test.hold-faults", "-p",
                          "faults=" + faults, "-p", "hold_ms=60000"},
                         s.dir.path());
    REQUIRE(eventually([&] { return fs::exists(last); }, std::chrono::seconds(20)));
    run.send(SIGKILL);
    auto killed = run.wait();
    CHECK(killed.signal == SIGKILL);
    REQUIRE(fs::exists(first));

    // The worker dies with its parent (PR_SET_PDEATHSIG): the ledger is free for recover at once.
    auto recovered = s.drillhost({"recover"});
    INFO(recovered.out);
    INFO(recovered.err);
    CHECK(recovered.signal == 0);
    CHECK(recovered.exit_code != 0);
    CHECK_FALSE(fs::exists(first));
    CHECK_FALSE(fs::exists(last));
    CHECK(fs::exists(crashing_one));
    CHECK(contains(recovered.out + recovered.err, "SIGSEGV"));
}
