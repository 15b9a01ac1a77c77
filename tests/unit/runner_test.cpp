#include <doctest/doctest.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/runner.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "temp_dir.hpp"

using namespace drillhost;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const Registry &test_registry() {
    static Registry registry = [] {
        Registry r;
        std::vector<LoadProblem> problems;
        r.add(load_plugins({EXAMPLES_DIR, std::string(FIXTURE_DIR) + "/misbehaving_drills.so",
                            std::string(FIXTURE_DIR) + "/error_drill.so"}),
              problems);
        REQUIRE(problems.empty());
        return r;
    }();
    return registry;
}

struct Fixture {
    TempDir state;
    fs::path marker = state.path() / "fault.marker";

    Runner runner(std::chrono::milliseconds timeout = 30s, std::chrono::milliseconds grace = 5s) {
        RunnerOptions options;
        options.state_dir = state.path();
        options.timeout = timeout;
        options.grace = grace;
        return Runner(test_registry(), options);
    }
};

}  // namespace

TEST_CASE("a drill that passes leaves nothing open and closes the ledger") {
    Fixture f;
    auto runner = f.runner();
    auto result = runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}, {"hold_ms", 10}});
    CHECK(result.outcome == Outcome::passed);
    CHECK(result.faults_injected == 1);
    CHECK(result.faults_left_open == 0);
    CHECK_FALSE(fs::exists(f.marker));
    REQUIRE(result.measurements.size() == 2);
    runner.finish();
    CHECK(FaultLedger::pending(f.state.path() / "ledger").empty());
}

TEST_CASE("a drill that overruns its timeout is stopped and its fault reverted") {
    Fixture f;
    auto runner = f.runner(300ms);
    auto result =
        runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}, {"hold_ms", 60000}});
    CHECK(result.outcome == Outcome::timed_out);
    CHECK(result.duration_ms < 5000);
    CHECK(result.faults_injected == 1);
    CHECK(result.faults_left_open == 0);
    CHECK_FALSE(fs::exists(f.marker));
}

TEST_CASE("cancellation stops the drill, reverts its fault and refuses the next drill") {
    Fixture f;
    auto runner = f.runner();
    std::thread canceller([&] {
        while (!fs::exists(f.marker)) std::this_thread::sleep_for(5ms);
        runner.cancel("SIGINT");
    });
    auto result =
        runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}, {"hold_ms", 60000}});
    canceller.join();
    CHECK(result.outcome == Outcome::cancelled);
    CHECK(result.message == "SIGINT");
    CHECK_FALSE(fs::exists(f.marker));
    auto next = runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}});
    CHECK(next.outcome == Outcome::cancelled);
    CHECK(next.faults_injected == 0);
}

TEST_CASE("a drill that ignores cancellation still has its fault reverted") {
    Fixture f;
    auto runner = f.runner(300ms, 200ms);
    auto result =
        runner.run("org.drillhost.test.stubborn-drill", {{"path", f.marker.string()}, {"stuck_ms", 1500}});
    CHECK(result.outcome == Outcome::timed_out);
    CHECK(result.abandoned);
    CHECK(result.faults_left_open == 0);
    CHECK_FALSE(fs::exists(f.marker));
    std::this_thread::sleep_for(1500ms);  // let the abandoned thread finish before the runner goes
}

TEST_CASE("a drill that throws or returns an error is an error with its text") {
    Fixture f;
    auto runner = f.runner();
    auto thrown = runner.run("org.drillhost.test.throwing-drill", {});
    CHECK(thrown.outcome == Outcome::error);
    CHECK(thrown.message.find("boom from the fixture") != std::string::npos);

    auto constructor = runner.run("org.drillhost.test.broken-constructor", {});
    CHECK(constructor.outcome == Outcome::error);
    CHECK(constructor.message.find("constructor refused") != std::string::npos);

    auto returned = runner.run("org.drillhost.test.error-drill", {});
    CHECK(returned.outcome == Outcome::error);
    CHECK(returned.status == DH_ERR_FAILED);
    CHECK(returned.message == "the fixture failed on purpose");
}

TEST_CASE("a failed precondition is a skip, not a failure") {
    Fixture f;
    { std::ofstream(f.marker) << "already here"; }
    auto runner = f.runner();
    auto result = runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}});
    CHECK(result.outcome == Outcome::skipped);
    CHECK(fs::exists(f.marker));  // someone else's file is left alone
}

TEST_CASE("parameters are checked against the schema before the drill runs") {
    Fixture f;
    auto runner = f.runner();
    CHECK_THROWS_WITH_AS(runner.run("org.drillhost.example.marker", {{"hold_ms", -5}}),
                         doctest::Contains("/hold_ms"), UsageError);
    CHECK_THROWS_AS(runner.run("org.drillhost.example.nope", {}), UsageError);
}
