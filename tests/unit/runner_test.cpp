#include <doctest/doctest.h>
#include <sys/stat.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/runner.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
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
                            std::string(FIXTURE_DIR) + "/error_drill.so",
                            std::string(FIXTURE_DIR) + "/host_abuse.so",
                            std::string(FIXTURE_DIR) + "/operations_plugin.so"}),
              problems);
        REQUIRE(problems.empty());
        return r;
    }();
    return registry;
}

struct Fixture {
    TempDir state;
    fs::path marker = state.path() / "fault.marker";

    std::mutex log_mutex;
    std::string log_text;  // every line the runner handed its log callback

    Runner runner(std::chrono::milliseconds timeout = 30s, std::chrono::milliseconds grace = 5s,
                  nlohmann::json target = nlohmann::json::object()) {
        RunnerOptions options;
        options.state_dir = state.path();
        options.timeout = timeout;
        options.grace = grace;
        options.target = std::move(target);
        options.log = [this](dh_severity, const std::string &component, const std::string &message) {
            std::lock_guard lock(log_mutex);
            log_text += component + ": " + message + "\n";
        };
        return Runner(test_registry(), options);
    }

    // Files anywhere under <state>/ledger (closed/ included).
    size_t ledger_files() const {
        size_t n = 0;
        std::error_code ec;
        for (const auto &e : fs::recursive_directory_iterator(state.path() / "ledger", ec))
            n += e.is_regular_file();
        return n;
    }
};

std::string read_file(const fs::path &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Every line of the journal, each of which must be JSON.
std::vector<nlohmann::json> journal_lines(const fs::path &path) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        CHECK_MESSAGE(!parsed.is_discarded(), line);
        lines.push_back(parsed);
    }
    return lines;
}

bool eventually_exists(const fs::path &path) {
    for (int i = 0; i < 500 && !fs::exists(path); ++i) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(20ms);  // written in one go, but let the writer finish
    return fs::exists(path);
}

bool valid_utf8_text(const std::string &text) {
    try {
        (void)nlohmann::json(text).dump();
        return true;
    } catch (const nlohmann::json::type_error &) {
        return false;
    }
}

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
}

// An embedder's Runner and registry go when it is done with them, whatever an abandoned drill
// thread still does: the thread must find nothing freed under it (ASan in scripts/sanitize.sh sees a
// use after free) and every call it makes is refused, journalled nowhere, injecting nothing.
TEST_CASE("an abandoned drill that calls its host after the runner and the registry went is refused") {
    TempDir state;
    fs::path report = state.path() / "late.report", marker = state.path() / "late.marker", journal;
    {
        Registry registry;  // the embedder's own, gone before the drill wakes
        std::vector<LoadProblem> problems;
        registry.add(load_plugins({EXAMPLES_DIR, std::string(FIXTURE_DIR) + "/misbehaving_drills.so"}),
                     problems);
        REQUIRE(problems.empty());
        RunnerOptions options;
        options.state_dir = state.path();
        options.timeout = 200ms;
        options.grace = 100ms;
        Runner runner(registry, options);
        journal = runner.journal_path();
        auto result =
            runner.run("org.drillhost.test.abandoned-caller",
                       {{"report", report.string()}, {"path", marker.string()}, {"stuck_ms", 1000}});
        CHECK(result.abandoned);
        runner.finish();
    }
    std::string said;
    for (int i = 0; i < 500 && said.find("returned") == std::string::npos; ++i) {
        std::this_thread::sleep_for(20ms);
        std::ifstream in(report);
        said.assign(std::istreambuf_iterator<char>(in), {});
    }
    CHECK(said == "event refused\nmeasure refused\ninject refused\nreturned\n");
    std::this_thread::sleep_for(100ms);  // the thread's last steps: its instance and context go
    CHECK_FALSE(fs::exists(marker));
    std::ifstream in(journal);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text.find("\"late\"") == std::string::npos);
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

TEST_CASE("text that is not UTF-8 from a plugin is sanitised and the run goes on") {
    Fixture f;
    auto runner = f.runner();
    auto bad = runner.run("org.drillhost.test.bad-utf8", {});
    CHECK_MESSAGE(bad.outcome == Outcome::passed, bad.message);
    REQUIRE(bad.assertions.size() == 1);
    CHECK(bad.assertions[0].name == "verdict \xEF\xBF\xBD");
    CHECK(valid_utf8_text(bad.assertions[0].observed));
    CHECK(valid_utf8_text(bad.assertions[0].bound));
    REQUIRE(bad.measurements.size() == 1);
    CHECK(valid_utf8_text(bad.measurements[0].name));
    CHECK(valid_utf8_text(bad.measurements[0].unit));

    auto error = runner.run("org.drillhost.test.bad-utf8-error", {});
    CHECK(error.outcome == Outcome::error);
    CHECK(error.message.find("broken") != std::string::npos);
    CHECK(valid_utf8_text(error.message));

    auto next = runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}, {"hold_ms", 10}});
    CHECK(next.outcome == Outcome::passed);
    CHECK(runner.finish() == 0);
    CHECK(FaultLedger::pending(f.state.path() / "ledger").empty());
    auto lines = journal_lines(runner.journal_path());
    bool event = false, log = false;
    for (const auto &l : lines) {
        event |=
            l["type"] == "event" && l["name"] == "event\xEF\xBF\xBD" && l["details"]["detail"].is_string();
        log |= l["type"] == "log" && l["message"] == "log line \xEF\xBF\xBD\xEF\xBF\xBD bad";
    }
    CHECK(event);
    CHECK(log);
    std::lock_guard lock(f.log_mutex);
    CHECK(valid_utf8_text(f.log_text));
}

TEST_CASE("NaN and infinite measurements are refused with their name and value") {
    Fixture f;
    auto runner = f.runner();
    auto result = runner.run("org.drillhost.test.nan-measurement", {});
    CHECK_MESSAGE(result.outcome == Outcome::passed, result.message);
    REQUIRE(result.assertions.size() == 3);
    CHECK(result.assertions[0].observed.find("rto") != std::string::npos);
    CHECK(result.assertions[0].observed.find("nan") != std::string::npos);
    CHECK(result.assertions[1].observed.find("lag") != std::string::npos);
    CHECK(result.assertions[1].observed.find("inf") != std::string::npos);
    REQUIRE(result.measurements.size() == 1);
    CHECK(result.measurements[0].name == "ok");
    bool warned = false;
    for (const auto &l : journal_lines(runner.journal_path()))
        warned |= l["type"] == "log" && l["severity"] == "warn" &&
                  l["message"].get<std::string>().find("rto") != std::string::npos;
    CHECK(warned);
}

TEST_CASE("a sleep of 2^62 ms or more holds until the timeout instead of returning at once") {
    Fixture f;
    auto runner = f.runner(400ms);
    for (bool max : {false, true}) {
        auto result = runner.run("org.drillhost.test.huge-sleep", {{"max", max}});
        CHECK(result.outcome == Outcome::timed_out);
        CHECK(result.duration_ms >= 350);
        CHECK(result.duration_ms < 5000);
    }
}

TEST_CASE("Cancellation::sleep_for with the longest duration waits until cancelled") {
    Cancellation cancellation;
    auto started = std::chrono::steady_clock::now();
    std::thread canceller([&] {
        std::this_thread::sleep_for(200ms);
        cancellation.cancel("test");
    });
    bool slept = cancellation.sleep_for(std::chrono::milliseconds::max());
    canceller.join();
    CHECK_FALSE(slept);
    CHECK(std::chrono::steady_clock::now() - started >= 150ms);
}

TEST_CASE("JSON nested 100 000 deep from a plugin is refused, not a crash") {
    Fixture f;
    auto runner = f.runner();
    auto result = runner.run("org.drillhost.test.deep-json", {});
    CHECK_MESSAGE(result.outcome == Outcome::passed, result.message);
    for (const auto &a : result.assertions)
        CHECK_MESSAGE(a.verdict == DH_VERDICT_PASS, (a.name + ": " + a.observed));
}

TEST_CASE("calls from a thread that outlives its drill's run are refused, once reported") {
    Fixture f;
    fs::path report = f.state.path() / "late.txt";
    auto runner = f.runner();
    auto late = runner.run("org.drillhost.test.late-caller", {{"report", report.string()}, {"late_ms", 600}});
    CHECK(late.outcome == Outcome::passed);
    auto next = runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}, {"hold_ms", 900}});
    CHECK(next.outcome == Outcome::passed);
    REQUIRE(eventually_exists(report));
    std::string text = read_file(report);
    CHECK_MESSAGE(text.find(" ok=0 ") != std::string::npos, text);
    CHECK_MESSAGE(text.find("refused=0") == std::string::npos, text);
    CHECK_MESSAGE(text.find("called after the drill's run returned") != std::string::npos, text);
    runner.finish();
    int warnings = 0;
    for (const auto &l : journal_lines(runner.journal_path())) {
        CHECK(l.value("name", "") != "late-event");
        CHECK(l.value("name", "") != "late");
        if (l["type"] == "log") {
            std::string message = l["message"];
            CHECK(message.find("late log line") == std::string::npos);
            CHECK(valid_utf8_text(l["component"].get<std::string>()));
            if (message.find("refused a call after run returned") != std::string::npos) {
                ++warnings;
                CHECK(l["drill"] == "org.drillhost.test.late-caller");
            }
        }
    }
    CHECK(warnings == 1);
}

TEST_CASE("the journal is private and keeps no password") {
    Fixture f;
    nlohmann::json target = {
        {"members",
         {{{"name", "pg-1"},
           {"rest_url", "http://admin:s3cr3t-rest@127.0.0.1:1"},
           {"password", "s3cr3t-field"}}}},
        {"postgres", {{"conninfo", "host=127.0.0.1 user=postgres password=s3cr3t-conninfo"}}}};
    fs::path journal;
    {
        auto runner = f.runner(30s, 5s, target);
        auto result = runner.run("org.drillhost.test.log-target", {});
        CHECK(result.outcome == Outcome::passed);
        runner.finish();
        journal = runner.journal_path();
    }
    struct stat st {};
    REQUIRE(::stat(journal.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(journal.parent_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    std::string text = read_file(journal);
    CHECK(text.find("127.0.0.1") != std::string::npos);  // the target was logged, only redacted
    for (auto secret : {"s3cr3t-rest", "s3cr3t-field", "s3cr3t-conninfo"}) {
        CHECK_MESSAGE(text.find(secret) == std::string::npos, secret);
        std::lock_guard lock(f.log_mutex);
        CHECK_MESSAGE(f.log_text.find(secret) == std::string::npos, secret);
    }
}

TEST_CASE("a probe sample leaves no ledger, whether it succeeds or fails") {
    Fixture f;
    {
        auto runner = f.runner();
        auto sample = runner.sample("org.drillhost.example.file-exists", {{"path", f.state.path().string()}});
        CHECK(sample["exists"] == true);
        CHECK_THROWS_AS(runner.sample("org.drillhost.test.failing-probe", nlohmann::json::object()),
                        InfraError);
        CHECK_THROWS_AS(runner.sample("org.drillhost.example.file-exists", {{"nope", 1}}), UsageError);
        CHECK(f.ledger_files() == 0);
        runner.finish();
    }
    {
        auto runner = f.runner();
        CHECK_THROWS_AS(runner.sample("org.drillhost.test.failing-probe", nlohmann::json::object()),
                        InfraError);
    }  // no finish(): the command failed
    CHECK(f.ledger_files() == 0);
}

TEST_CASE("operate undoes what its act made, and nothing else the runner's ledger holds") {
    Fixture f;
    fs::path made = f.state.path() / "made.marker";
    auto runner = f.runner();
    // A fault `inject` leaves open on purpose, for recover (or the runner's revert).
    auto fault = runner.inject("org.drillhost.example.file", {{"path", f.marker.string()}});
    REQUIRE(fs::exists(f.marker));
    auto result = runner.operate("org.drillhost.test.ops", "make", {{"path", made.string()}});
    CHECK(result["path"] == made.string());
    CHECK_FALSE(fs::exists(made));  // make's undo ran before operate returned
    CHECK(fs::exists(f.marker));    // the injected fault is still there, still open
    CHECK(runner.finish() == 1);
    fs::remove(f.marker);
}

TEST_CASE("an injector's refusal is an infrastructure error and leaves no ledger") {
    Fixture f;
    { std::ofstream(f.marker) << "someone else's"; }
    {
        auto runner = f.runner();
        // The file injector refuses a path that exists (DH_ERR_INVALID_ARGUMENT from the injector).
        CHECK_THROWS_WITH_AS(runner.inject("org.drillhost.example.file", {{"path", f.marker.string()}}),
                             doctest::Contains("already exists"), InfraError);
        // The host's own validation stays a usage error.
        CHECK_THROWS_AS(runner.inject("org.drillhost.example.file", {{"path", 5}}), UsageError);
        CHECK_THROWS_AS(runner.inject("org.drillhost.example.nope", {}), UsageError);
    }  // the CLI never reaches finish() after a refusal
    CHECK(f.ledger_files() == 0);
    CHECK(read_file(f.marker) == "someone else's");
}

TEST_CASE("a runner that ends without finish() closes a clean ledger but keeps open faults") {
    Fixture f;
    {
        auto runner = f.runner();
        auto result =
            runner.run("org.drillhost.example.marker", {{"path", f.marker.string()}, {"hold_ms", 1}});
        CHECK(result.outcome == Outcome::passed);
    }
    CHECK(FaultLedger::pending(f.state.path() / "ledger").empty());
    {
        auto runner = f.runner();
        auto injected = runner.inject("org.drillhost.example.file", {{"path", f.marker.string()}});
        CHECK(injected["fault"] == 1);
    }
    CHECK(FaultLedger::pending(f.state.path() / "ledger").size() == 1);
    CHECK(fs::exists(f.marker));
}

// Issue 14: the Runner of a harness that embeds the core, with and without a worker process.
TEST_CASE(
    "a harness's Runner with a worker command: a segfaulting drill is crashed, its fault reverted, the "
    "runner goes on") {
    Registry registry;
    std::vector<LoadProblem> problems;
    registry.add(load_plugins({EXAMPLES_DIR, std::string(FIXTURE_DIR) + "/crashing/crashing_plugins.so"}),
                 problems);
    REQUIRE(problems.empty());
    TempDir state;
    fs::path marker = state.path() / "fault.marker";
    RunnerOptions options;
    options.state_dir = state.path();
    // The drillhost binary is a program with a worker mode, as a harness's own would be (worker.hpp).
    options.worker_command = {DRILLHOST_BIN, "__drillhost-worker"};
    Runner runner(registry, options);
    auto crashed = runner.run("org.drillhost.test.inject-then-segv", {{"path", marker.string()}});
    CHECK(crashed.outcome == Outcome::crashed);
    CHECK(crashed.message.find("SIGSEGV") != std::string::npos);
    CHECK(crashed.faults_injected == 1);
    CHECK(crashed.faults_left_open == 0);
    CHECK_FALSE(fs::exists(marker));
    auto next = runner.run("org.drillhost.example.marker", {{"path", marker.string()}});
    CHECK(next.outcome == Outcome::passed);
    CHECK(next.assertions.size() == 3);  // its two checks, and "faults reverted", collected from the worker
    CHECK(next.measurements.size() == 2);
    CHECK(runner.finish() == 0);
}

TEST_CASE("in process, a drill that throws across the C ABI is crashed, not an error of its own") {
    Registry registry;
    std::vector<LoadProblem> problems;
    registry.add(load_plugins({std::string(FIXTURE_DIR) + "/crashing/crashing_plugins.so"}), problems);
    REQUIRE(problems.empty());
    TempDir state;
    RunnerOptions options;
    options.state_dir = state.path();
    Runner runner(registry, options);
    auto threw = runner.run("org.drillhost.test.throw-drill", {});
    CHECK(threw.outcome == Outcome::crashed);
    CHECK(threw.message.find("thrown past the SDK") != std::string::npos);
}

TEST_CASE("a worker command that cannot start is the drill's error, named, and the runner goes on") {
    TempDir state;
    RunnerOptions options;
    options.state_dir = state.path();
    options.worker_command = {(state.path() / "no-such-program").string(), "__drillhost-worker"};
    Runner runner(test_registry(), options);
    auto result = runner.run("org.drillhost.example.marker", {{"path", (state.path() / "m").string()}});
    CHECK(result.outcome == Outcome::error);
    CHECK(result.message.find("cannot start its worker process") != std::string::npos);
    CHECK(result.message.find("no-such-program") != std::string::npos);
    CHECK(runner.finish() == 0);
}

TEST_CASE("operate and inject take a short name and call the component by its id") {
    Fixture f;
    auto runner = f.runner();
    CHECK(runner.operate("file-exists", "exists", {{"path", f.marker.string()}})["exists"] == false);
    auto fault = runner.inject("file", {{"path", f.marker.string()}});
    CHECK(fault["injector"] == "org.drillhost.example.file");
    CHECK(fs::exists(f.marker));
}
