#include <doctest/doctest.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/fault_ledger.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

using namespace drillhost;
using nlohmann::json;

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
    auto entries = replay_ledger(good + R"({"op":"applied","fau)", "ledger");
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].state == FaultEntry::State::intent);
    CHECK_THROWS_AS(replay_ledger(good + "garbage\n" + good, "ledger"), InfraError);
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
