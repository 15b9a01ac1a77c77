#include <doctest/doctest.h>
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/recovery.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

using namespace drillhost;
using nlohmann::json;

static const std::string open_line = R"({"op":"open","run":"r","target":{}})"
                                     "\n";

static std::string read_file(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST_CASE("intent is on disk before the injector runs, and open until reverted") {
    TempDir dir;
    auto ledger = FaultLedger::create(dir.path(), "run-1");
    uint64_t id = ledger.record_intent("org.x.inj", "/p.so", "org.x.drill", {{"k", 1}});
    // What a crash right now would leave: the intent alone.
    auto after_crash = replay_ledger(read_file(ledger.path()), "ledger");
    REQUIRE(after_crash.size() == 1);
    CHECK(after_crash[0].state == FaultEntry::State::intent);
    CHECK(after_crash[0].open());
    CHECK(after_crash[0].params == json{{"k", 1}});

    ledger.record_applied(id, {{"rule", "r1"}});
    CHECK(ledger.open_faults().size() == 1);
    ledger.record_revert_failed(id, "iptables busy");
    CHECK(ledger.open_faults().size() == 1);  // a failed revert stays open
    ledger.record_reverted(id);
    CHECK(ledger.open_faults().empty());
}

TEST_CASE("a refused injection is not open") {
    TempDir dir;
    auto ledger = FaultLedger::create(dir.path(), "run-2");
    uint64_t id = ledger.record_intent("org.x.inj", "/p.so", "d", json::object());
    ledger.record_failed(id, "no such host");
    CHECK(ledger.open_faults().empty());
}

TEST_CASE("open faults come newest first and can be filtered by drill") {
    TempDir dir;
    auto ledger = FaultLedger::create(dir.path(), "run-3");
    auto a = ledger.record_intent("i", "", "drill-a", {});
    auto b = ledger.record_intent("i", "", "drill-b", {});
    auto c = ledger.record_intent("i", "", "drill-a", {});
    for (auto id : {a, b, c}) ledger.record_applied(id, json::object());
    auto open = ledger.open_faults();
    REQUIRE(open.size() == 3);
    CHECK(open[0].id == c);
    CHECK(open[2].id == a);
    CHECK(ledger.open_faults("drill-a").size() == 2);
}

TEST_CASE("a torn last line is ignored, a malformed middle line is an error") {
    std::string good = R"({"op":"intent","fault":1,"injector":"i","params":{}})"
                       "\n";
    auto entries = replay_ledger(open_line + good + R"({"op":"applied","fau)", "ledger");
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].state == FaultEntry::State::intent);
    CHECK_THROWS_AS(replay_ledger(open_line + good + "garbage\n" + good, "ledger"), InfraError);
}

TEST_CASE("a live run's ledger is locked, a dead run's can be adopted") {
    TempDir dir;
    std::filesystem::path file;
    {
        auto ledger = FaultLedger::create(dir.path(), "run-4", {{"members", {{{"name", "pg-1"}}}}});
        file = ledger.path();
        ledger.record_applied(ledger.record_intent("i", "", "d", {}), {{"x", 1}});
        CHECK_FALSE(FaultLedger::adopt(file).has_value());
        CHECK(FaultLedger::pending(dir.path()).size() == 1);
    }  // the process "died": its lock is gone
    auto adopted = FaultLedger::adopt(file);
    REQUIRE(adopted.has_value());
    REQUIRE(adopted->open_faults().size() == 1);
    CHECK(adopted->open_faults()[0].record == json{{"x", 1}});
    CHECK(adopted->target()["members"][0]["name"] == "pg-1");  // recover reaches the run's own hosts
    adopted->record_reverted(1);
    CHECK(adopted->close_if_clean());
    CHECK(FaultLedger::pending(dir.path()).empty());
    CHECK(std::filesystem::exists(dir.path() / "closed" / file.filename()));
}

TEST_CASE("after a crash mid-write, recovery appends on a fresh line and the ledger stays readable") {
    TempDir dir;
    std::filesystem::path file;
    {
        auto ledger = FaultLedger::create(dir.path(), "run-5");
        file = ledger.path();
        ledger.record_applied(ledger.record_intent("i", "", "d", {}), {{"x", 1}});
    }
    { std::ofstream(file, std::ios::app) << R"({"op":"reverted","fau)"; }  // the crash cut this line
    {
        auto adopted = FaultLedger::adopt(file);
        REQUIRE(adopted.has_value());
        REQUIRE(adopted->open_faults().size() == 1);
        adopted->record_revert_failed(1, "still failing");
    }
    auto again = FaultLedger::adopt(file);  // would be "malformed" had the fragment stayed
    REQUIRE(again.has_value());
    CHECK(again->open_faults().size() == 1);
    CHECK(again->open_faults()[0].last_error == "still failing");
}

// The InfraError replay_ledger throws for `body` after an open line ("" when it accepts it). Any other
// exception (a bare nlohmann type_error) escapes and fails the test.
static std::string replay_error(const std::string &body) {
    try {
        replay_ledger(open_line + body, "L.jsonl");
    } catch (const InfraError &e) {
        return e.what();
    }
    return "";
}

static const std::string intent_1 = R"({"op":"intent","fault":1,"injector":"i","params":{}})"
                                    "\n";

TEST_CASE("a wrong-typed field is a malformed line naming the file and line, not a bare type_error") {
    auto error = replay_error(R"({"op":"intent","fault":"one","injector":5,"params":"p"})"
                              "\n");
    CHECK_MESSAGE(error.find("L.jsonl:2") != std::string::npos, error);
    CHECK(error.find("json.exception") == std::string::npos);

    struct Case {
        std::string body, line, field;
    };
    for (const auto &c : std::vector<Case>{
             {R"({"op":"intent","fault":1,"injector":5,"params":{}})", ":2", "injector"},
             {R"({"op":"intent","fault":1,"injector":"i","params":"p"})", ":2", "params"},
             {R"({"op":"intent","fault":1,"injector":"i","drill":[],"params":{}})", ":2", "drill"},
             {R"({"op":"intent","fault":1,"params":{}})", ":2", "injector"},
             {intent_1 + R"({"op":"applied","fault":1,"record":[1]})", ":3", "record"},
             {intent_1 + R"({"op":"failed","fault":1,"error":7})", ":3", "error"},
             {intent_1 + R"({"op":"revert_failed","fault":1,"error":{}})", ":3", "error"},
             {R"({"op":5})", ":2", "op"},
             {R"([1,2])", ":2", "object"},
         }) {
        CAPTURE(c.body);
        auto e = replay_error(c.body + "\n");
        CHECK_MESSAGE(e.find("L.jsonl" + c.line) != std::string::npos, e);
        CHECK_MESSAGE(e.find(c.field) != std::string::npos, e);
    }
}

TEST_CASE("a fault id must be a positive integer") {
    for (std::string id : {R"("one")", "-1", "1.5", "0", "null", "true"}) {
        CAPTURE(id);
        auto e = replay_error(R"({"op":"intent","fault":)" + id + R"(,"injector":"i","params":{}})" + "\n");
        CHECK_MESSAGE(e.find("L.jsonl:2") != std::string::npos, e);
        CHECK(e.find("fault") != std::string::npos);
    }
    auto missing = replay_error(R"({"op":"intent","injector":"i","params":{}})"
                                "\n");
    CHECK_MESSAGE(missing.find("L.jsonl:2") != std::string::npos, missing);
    auto applied = replay_error(intent_1 + R"({"op":"applied","record":{}})" + "\n");
    CHECK_MESSAGE(applied.find("L.jsonl:3") != std::string::npos, applied);
}

TEST_CASE("an unknown op is malformed, never read as reverted") {
    auto e = replay_error(intent_1 + R"({"op":"applied","fault":1,"record":{}})" + "\n" +
                          R"({"op":"revertd","fault":1})" + "\n");
    CHECK_MESSAGE(e.find("L.jsonl:4") != std::string::npos, e);
    CHECK(e.find("revertd") != std::string::npos);
    auto missing = replay_error(intent_1 + R"({"fault":1})" + "\n");
    CHECK_MESSAGE(missing.find("L.jsonl:3") != std::string::npos, missing);
}

TEST_CASE("a duplicate fault id is malformed") {
    auto e = replay_error(intent_1 + R"({"op":"applied","fault":1,"record":{}})" + "\n" + intent_1);
    CHECK_MESSAGE(e.find("L.jsonl:4") != std::string::npos, e);
    CHECK(e.find("duplicate") != std::string::npos);
}

TEST_CASE("a line for an unknown fault is malformed") {
    auto e = replay_error(intent_1 + R"({"op":"reverted","fault":2})" + "\n");
    CHECK_MESSAGE(e.find("L.jsonl:3") != std::string::npos, e);
    CHECK(e.find("unknown fault 2") != std::string::npos);
}

TEST_CASE("the first line must be `open`, and only the first") {
    std::string e;
    try {
        replay_ledger(intent_1, "L.jsonl");
    } catch (const InfraError &error) {
        e = error.what();
    }
    CHECK_MESSAGE(e.find("L.jsonl:1") != std::string::npos, e);
    CHECK(e.find("open") != std::string::npos);
    auto twice = replay_error(intent_1 + open_line);
    CHECK_MESSAGE(twice.find("L.jsonl:3") != std::string::npos, twice);
    // A torn first line (a crash right after creating the file) is not malformed: nothing happened.
    CHECK(replay_ledger(R"({"op":"op)", "L.jsonl").empty());
    CHECK(replay_ledger("", "L.jsonl").empty());
}

TEST_CASE("a line nested too deep is malformed, not a crash") {
    std::string deep = std::string(100000, '[') + std::string(100000, ']');
    auto e = replay_error(intent_1 + deep + "\n");
    CHECK_MESSAGE(e.find("L.jsonl:3") != std::string::npos, e);
}

TEST_CASE("ledger files and directories are private") {
    TempDir dir;
    auto ledger = FaultLedger::create(dir.path() / "ledger", "run-6");
    namespace fs = std::filesystem;
    CHECK((fs::status(dir.path() / "ledger").permissions() & fs::perms::all) == fs::perms::owner_all);
    CHECK((fs::status(ledger.path()).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(ledger.close_if_clean());
    CHECK((fs::status(dir.path() / "ledger" / "closed").permissions() & fs::perms::all) ==
          fs::perms::owner_all);
}

TEST_CASE("adopt refuses a symlink and a ledger writable by others, and leaves them as they are") {
    namespace fs = std::filesystem;
    TempDir dir;
    fs::path victim = dir.path() / "victim.txt";
    { std::ofstream(victim) << "someone's text"; }
    fs::create_directory(dir.path() / "ledger");
    fs::path link = dir.path() / "ledger" / "run-7.jsonl";
    fs::create_symlink(victim, link);
    CHECK_THROWS_AS(FaultLedger::adopt(link), UntrustedPath);
    CHECK(read_file(victim) == "someone's text");

    fs::path shared;
    {
        auto ledger = FaultLedger::create(dir.path() / "ledger", "run-8");
        shared = ledger.path();
    }
    fs::permissions(shared, fs::perms::others_write, fs::perm_options::add);
    CHECK_THROWS_AS(FaultLedger::adopt(shared), UntrustedPath);
}

namespace {

// Two fake injectors, straight through the C ABI: one whose revert always fails with text that is not
// valid UTF-8, and one whose revert succeeds.
std::string fake_error;
int reverts_ok = 0;
int fake_instance_storage;

dh_instance *fake_create(const dh_host *) {
    fake_error.clear();
    return reinterpret_cast<dh_instance *>(&fake_instance_storage);
}
void fake_destroy(dh_instance *) {}
const char *fake_last_error(dh_instance *) {
    return fake_error.c_str();
}
dh_status revert_fails_badly(dh_instance *, const dh_host *, const char *, uint32_t) {
    fake_error = "cannot revert: \xff\xfe\xc3 is not UTF-8";
    return DH_ERR_FAILED;
}
dh_status revert_works(dh_instance *, const dh_host *, const char *, uint32_t) {
    ++reverts_ok;
    return DH_OK;
}

const dh_component bad_utf8_table = {
    sizeof(dh_component), nullptr, fake_create, fake_destroy, fake_last_error, nullptr, nullptr,
    revert_fails_badly,   nullptr, 0,           nullptr,      nullptr};
const dh_component working_table = {
    sizeof(dh_component), nullptr, fake_create, fake_destroy, fake_last_error, nullptr, nullptr,
    revert_works,         nullptr, 0,           nullptr,      nullptr};

Registry fake_registry() {
    LoadedPlugin plugin;
    plugin.path = "/fake.so";
    for (auto [id, table] :
         {std::pair{"org.test.bad-utf8", &bad_utf8_table}, std::pair{"org.test.works", &working_table}}) {
        Component c;
        c.id = id;
        c.kind = DH_KIND_INJECTOR;
        c.plugin_path = "/fake.so";
        c.table = table;
        plugin.components.push_back(c);
    }
    Registry registry;
    std::vector<LoadProblem> problems;
    registry.add(plugin, problems);
    return registry;
}

}  // namespace

TEST_CASE("a revert error that is not valid UTF-8 is recorded readably and recover goes on") {
    namespace fs = std::filesystem;
    TempDir state;
    fs::path older, newer;
    {
        auto a = FaultLedger::create(state.path() / "ledger", "20200101T000000.000Z-1");
        a.record_applied(a.record_intent("org.test.works", "/fake.so", "d", json::object()), {{"x", 1}});
        older = a.path();
        auto b = FaultLedger::create(state.path() / "ledger", "20200101T000001.000Z-2");
        b.record_applied(b.record_intent("org.test.bad-utf8", "/fake.so", "d", json::object()), {{"x", 2}});
        newer = b.path();
    }
    auto registry = fake_registry();
    reverts_ok = 0;
    std::vector<std::string> logged;
    auto report = recover(
        registry, state.path(), [&](dh_severity, const std::string &message) { logged.push_back(message); },
        RevertPolicy{2, std::chrono::milliseconds(0)});
    CHECK_FALSE(report.clean());
    CHECK(reverts_ok == 1);  // the older ledger, after the newer one failed
    CHECK(fs::exists(older.parent_path() / "closed" / older.filename()));
    REQUIRE(fs::exists(newer));                                      // still open, kept
    auto entries = replay_ledger(read_file(newer), newer.string());  // every line still readable
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].open());
    CHECK(entries[0].last_error == valid_utf8(entries[0].last_error));
    CHECK(entries[0].last_error.find("is not UTF-8") != std::string::npos);
    for (const auto &message : logged) CHECK(message == valid_utf8(message));
}

TEST_CASE(
    "a cleanup record (ABI 1.3) is written before the act and replays with its component, act and undo") {
    TempDir dir;
    auto ledger = FaultLedger::create(dir.path(), "run-cleanup");
    uint64_t fault = ledger.record_intent("org.x.inj", "/i.so", "d", {{"host", "pg-1"}});
    uint64_t cleanup =
        ledger.record_cleanup_intent("org.x.writer", "/w.so", "d", "start", "drop", {{"clients", 2}});
    auto after_crash = replay_ledger(read_file(ledger.path()), "ledger");
    REQUIRE(after_crash.size() == 2);
    CHECK_FALSE(after_crash[0].cleanup());
    CHECK(after_crash[1].cleanup());
    CHECK(after_crash[1].injector == "org.x.writer");
    CHECK(after_crash[1].operation == "start");
    CHECK(after_crash[1].undo == "drop");
    CHECK(after_crash[1].state == FaultEntry::State::intent);  // open, undone unconfirmed after a crash
    ledger.record_applied(cleanup, {{"table", "drillhost_writer_r_1"}});
    auto open = ledger.open_faults();
    REQUIRE(open.size() == 2);
    CHECK(open[0].id == cleanup);  // newest first: the table goes before the fault is reverted
    CHECK(open[1].id == fault);
    // The file says which is which: a fault names its injector, a cleanup record its component.
    std::string text = read_file(ledger.path());
    CHECK(text.find(R"("injector":"org.x.inj")") != std::string::npos);
    CHECK(text.find(R"("component":"org.x.writer")") != std::string::npos);
    CHECK(text.find(R"("undo":"drop")") != std::string::npos);
}

TEST_CASE(
    "a ledger of ABI 1.2 (faults only) still replays, a line with both injector and undo is malformed") {
    std::string old = open_line +
                      R"({"op":"intent","fault":1,"injector":"i","plugin":"/p.so","drill":"d","params":{}})"
                      "\n"
                      R"({"op":"applied","fault":1,"record":{"r":1}})"
                      "\n";
    auto entries = replay_ledger(old, "old.jsonl");
    REQUIRE(entries.size() == 1);
    CHECK_FALSE(entries[0].cleanup());
    CHECK(entries[0].open());
    std::string both =
        open_line +
        R"({"op":"intent","fault":1,"injector":"i","component":"c","operation":"a","undo":"u","params":{}})"
        "\n";
    CHECK_THROWS_WITH_AS(replay_ledger(both, "both.jsonl"),
                         doctest::Contains("both \"injector\" and \"undo\""), MalformedLedger);
    std::string no_component = open_line +
                               R"({"op":"intent","fault":1,"operation":"a","undo":"u","params":{}})"
                               "\n";
    CHECK_THROWS_WITH_AS(replay_ledger(no_component, "nc.jsonl"), doctest::Contains("no \"component\""),
                         MalformedLedger);
}
