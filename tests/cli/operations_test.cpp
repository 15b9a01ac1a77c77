// Issue 15: every change to a cluster is a described, ledgered operation. With the operations
// fixture (marker files stand in for tables): routing and validation, the effects the host enforces,
// cleanup records written before an act and undone at the run's end or by `recover` after a kill -9,
// and plugins built for ABI 1.2 still working.
#include <doctest/doctest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"
#include "test_text.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string operations = std::string(FIXTURE_DIR) + "/operations_plugin.so";
const std::string legacy = std::string(FIXTURE_DIR) + "/legacy_plugin_1_2.so";
const std::string ops = "org.drillhost.test.ops";

struct Scratch {
    TempDir dir;
    fs::path state = dir.path() / "state";
    fs::path marker = dir.path() / "made.marker";

    std::vector<std::string> args(std::vector<std::string> rest) const {
        rest.insert(rest.begin(), {"--state-dir", state.string(), "--load", operations, "--load", legacy});
        return rest;
    }
    Finished drillhost(const std::vector<std::string> &rest) const {
        return run_drillhost(args(rest), dir.path());
    }
    std::vector<json> journal_entries() const {
        std::vector<json> out;
        for (const auto &e : fs::directory_iterator(state / "runs")) {
            std::ifstream in(e.path());
            for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
        }
        return out;
    }
    std::vector<fs::path> open_ledgers() const {
        std::vector<fs::path> out;
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(state / "ledger", ec))
            if (e.is_regular_file()) out.push_back(e.path());
        return out;
    }
};

size_t count_type(const std::vector<json> &entries, const std::string &type) {
    size_t n = 0;
    for (const auto &e : entries) n += e.value("type", "") == type;
    return n;
}

}  // namespace

TEST_CASE("probe: an operation by name, its params and result validated, an unknown one named") {
    Scratch s;
    auto peek = s.drillhost(
        {"--format", "json", "probe", ops, "peek", "-p", "path=" + s.marker.string(), "--target", "none"});
    INFO(peek.err);
    REQUIRE(peek.exit_code == 0);
    CHECK(json::parse(peek.out) == json{{"exists", false}});

    auto unknown = s.drillhost({"probe", ops, "frobnicate", "--target", "none"});
    CHECK(unknown.exit_code == 2);
    CHECK_MESSAGE(contains(unknown.err, "no operation 'frobnicate'"), unknown.err);
    CHECK(contains(unknown.err, "peek, make, unmake, announce, wrong_result, sneaky"));

    auto missing = s.drillhost({"probe", ops, "peek", "--target", "none"});
    CHECK(missing.exit_code == 2);
    CHECK_MESSAGE(contains(missing.err, "path"), missing.err);

    // The tests run with DRILLHOST_VALIDATE_RESULTS=1: a result its schema refuses is an error.
    auto wrong = s.drillhost({"probe", ops, "wrong_result", "--target", "none"});
    CHECK(wrong.exit_code == 3);
    CHECK_MESSAGE(contains(wrong.err, "does not match its result schema"), wrong.err);
    CHECK(contains(wrong.err, "/exists"));
}

TEST_CASE("describe: every operation with its effect, undo and both schemas") {
    Scratch s;
    auto d = s.drillhost({"--format", "json", "describe", ops});
    REQUIRE(d.exit_code == 0);
    json out = json::parse(d.out);
    REQUIRE(out.at("operations").size() == 6);
    json make = out["operations"][1];
    CHECK(make.at("name") == "make");
    CHECK(make.at("effect") == "act");
    CHECK(make.at("undo") == "unmake");
    CHECK(make.at("params_schema").at("required") == json::array({"path"}));
    CHECK(make.at("result_schema").at("required") == json::array({"path"}));
    auto text = s.drillhost({"describe", ops});
    CHECK_MESSAGE(contains(text.out, "make (act, undone by unmake)"), text.out);
    CHECK(contains(text.out, "result schema:"));
}

TEST_CASE("effects: an observe operation cannot act through the host") {
    Scratch s;
    auto sneaky = s.drillhost({"probe", ops, "sneaky", "--target", "none"});
    CHECK(sneaky.exit_code == 3);
    CHECK_MESSAGE(contains(sneaky.err, "observe operation"), sneaky.err);
    CHECK(contains(sneaky.err, "announce"));
}

TEST_CASE("probe: an act that creates something is undone before the command returns") {
    Scratch s;
    auto made = s.drillhost(
        {"--format", "json", "probe", ops, "make", "-p", "path=" + s.marker.string(), "--target", "none"});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    CHECK(json::parse(made.out).at("path") == s.marker.string());
    CHECK_FALSE(fs::exists(s.marker));  // unmake ran
    CHECK(s.open_ledgers().empty());    // and no ledger is left
}

TEST_CASE("run: an act's cleanup record is undone at the drill's end, or closed by the drill's own undo") {
    Scratch s;
    auto kept = s.drillhost(
        {"--format", "json", "run", "--target", "none", "make-marker", "-p", "path=" + s.marker.string()});
    INFO(kept.err);
    REQUIRE(kept.exit_code == 0);
    CHECK_FALSE(fs::exists(s.marker));
    auto entries = s.journal_entries();
    CHECK(count_type(entries, "operation") == 1);  // make (an act), journalled; peek (observe) is not
    bool undone_at_end = false;
    for (const auto &e : entries)
        undone_at_end |= e.value("type", "") == "fault.reverted" && e.value("by", "") == "cleanup";
    CHECK(undone_at_end);
    CHECK(s.open_ledgers().empty());

    Scratch t;
    auto undone = t.drillhost(
        {"run", "--target", "none", "make-marker", "-p", "path=" + t.marker.string(), "-p", "end=undo"});
    REQUIRE(undone.exit_code == 0);
    CHECK_FALSE(fs::exists(t.marker));
    auto by_drill = t.journal_entries();
    CHECK(count_type(by_drill, "cleanup.done") == 1);
    for (const auto &e : by_drill) CHECK_FALSE(e.value("type", "") == "fault.reverted");
}

TEST_CASE("recover: after a kill -9, the cleanup record written before the act has recover undo it") {
    Scratch s;
    DrillhostProcess run(s.args({"run", "--target", "none", "make-marker", "-p", "path=" + s.marker.string(),
                                 "-p", "end=hang"}),
                         s.dir.path());
    REQUIRE(eventually([&] { return fs::exists(s.marker); }, std::chrono::seconds(20)));
    run.send(SIGKILL);
    CHECK(run.wait().signal == SIGKILL);
    REQUIRE(fs::exists(s.marker));
    auto ledgers = s.open_ledgers();
    REQUIRE(ledgers.size() == 1);
    std::ifstream in(ledgers[0]);
    std::string first_intent;
    for (std::string line; std::getline(in, line);)
        if (line.find("\"intent\"") != std::string::npos) first_intent = line;
    json intent = json::parse(first_intent);
    CHECK(intent.at("component") == ops);
    CHECK(intent.at("operation") == "make");
    CHECK(intent.at("undo") == "unmake");

    auto recovered = s.drillhost({"recover"});
    INFO(recovered.out);
    INFO(recovered.err);
    CHECK(recovered.exit_code == 0);
    CHECK_FALSE(fs::exists(s.marker));
    CHECK(s.open_ledgers().empty());
}

TEST_CASE("ABI 1.2: a plugin built against the 1.2 header loads, runs, and calls old and new probes") {
    Scratch s;
    auto listed = s.drillhost({"--format", "json", "describe", "org.drillhost.test.legacy-probe"});
    REQUIRE(listed.exit_code == 0);
    json operation = json::parse(listed.out).at("operations").at(0);
    CHECK(operation.at("name") == "sample");
    CHECK(operation.at("effect") == "act");  // a request-tunnelled probe says nothing: act

    auto sampled =
        s.drillhost({"--format", "json", "probe", "org.drillhost.test.legacy-probe", "--target", "none"});
    REQUIRE(sampled.exit_code == 0);
    CHECK(json::parse(sampled.out).at("request") == "echo");
    // The word after the probe is its request, as drillhost 1.2 read it.
    auto requested = s.drillhost(
        {"--format", "json", "probe", "org.drillhost.test.legacy-probe", "echo", "--target", "none"});
    REQUIRE_MESSAGE(requested.exit_code == 0, requested.err);
    CHECK(json::parse(requested.out).at("request") == "echo");
    auto refused = s.drillhost({"probe", "org.drillhost.test.legacy-probe", "other", "--target", "none"});
    CHECK(refused.exit_code == 3);  // the probe's own refusal of a request it does not know
    CHECK(contains(refused.err, "unknown request"));

    auto ran = s.drillhost({"--format", "json", "run", "--target", "none", "org.drillhost.test.legacy-drill",
                            "-p", "path=" + s.marker.string()});
    INFO(ran.out);
    INFO(ran.err);
    CHECK(ran.exit_code == 0);
    CHECK(contains(ran.out, "a 1.3 probe answers a 1.2 drill"));
}

TEST_CASE("recover: an undo refuses a record its schema does not accept, and says which field") {
    Scratch s;
    fs::create_directories(s.state / "ledger");
    fs::permissions(s.state, fs::perms::owner_all);
    fs::permissions(s.state / "ledger", fs::perms::owner_all);
    fs::path file = s.state / "ledger" / "20200101T000000.000Z-1.jsonl";
    {
        std::ofstream out(file);
        out << json{{"op", "open"},
                    {"run", "20200101T000000.000Z-1"},
                    {"pid", 1},
                    {"target", json::object()},
                    {"wall", "x"}}
                   .dump()
            << "\n"
            << json{{"op", "intent"},   {"fault", 1},
                    {"component", ops}, {"operation", "make"},
                    {"undo", "unmake"}, {"plugin", "/x.so"},
                    {"drill", "d"},     {"params", {{"path", "/tmp/x"}}},
                    {"wall", "x"}}
                   .dump()
            << "\n"
            << json{{"op", "applied"}, {"fault", 1}, {"record", {{"path", 42}}}, {"wall", "x"}}.dump()
            << "\n";
    }
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    auto recovered = s.drillhost({"recover"});
    CHECK(recovered.exit_code == 3);
    CHECK_MESSAGE(contains(recovered.out + recovered.err, "the undo unmake refuses this record"),
                  recovered.out << recovered.err);
    CHECK(contains(recovered.out + recovered.err, "/record/path"));
}
