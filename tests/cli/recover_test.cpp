// `drillhost recover` as a user runs it: per-ledger and fail-closed, the table, --dry-run, --forget,
// and the files it trusts. Ledgers are written by hand here, as a crashed run would have left them.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process.hpp"
#include "temp_dir.hpp"
#include "test_text.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string examples = std::string(EXAMPLES_DIR) + "/*.so";
const std::string file_injector = "org.drillhost.example.file";

std::string open_line(const std::string &run) {
    return json{{"op", "open"}, {"run", run}, {"pid", 1}, {"target", json::object()}, {"wall", "x"}}.dump() +
           "\n";
}

// What a run that died with the marker fault at `path` applied leaves behind.
std::string marker_fault_lines(uint64_t id, const fs::path &path) {
    return json{{"op", "intent"},
                {"fault", id},
                {"injector", file_injector},
                {"plugin", "/nowhere/example_file_tools.so"},
                {"drill", "org.drillhost.example.marker"},
                {"params", {{"path", path.string()}, {"content", "drillhost example fault\n"}}},
                {"wall", "x"}}
               .dump() +
           "\n" +
           json{{"op", "applied"}, {"fault", id}, {"record", {{"path", path.string()}}}, {"wall", "x"}}
               .dump() +
           "\n";
}

struct Sandbox {
    TempDir dir;
    fs::path state = dir.path() / "state";
    fs::path ledgers = state / "ledger";

    Sandbox() {
        fs::create_directories(ledgers);
        fs::permissions(state, fs::perms::owner_all);
        fs::permissions(ledgers, fs::perms::owner_all);
    }
    std::vector<std::string> with_state(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--state-dir", state.string()});
        return args;
    }
    Finished drillhost(const std::vector<std::string> &args) const {
        return run_drillhost(with_state(args), dir.path());
    }
    // A dead run's ledger, written as the run would have (0600).
    fs::path write_ledger(const std::string &run, const std::string &body) const {
        fs::path file = ledgers / (run + ".jsonl");
        std::ofstream(file, std::ios::binary) << open_line(run) << body;
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
        return file;
    }
    fs::path make_marker(const std::string &name) const {
        fs::path marker = dir.path() / name;
        std::ofstream(marker) << "drillhost example fault\n";
        return marker;
    }
};

}  // namespace

TEST_CASE("recover: a malformed newer ledger is kept and named, and an older ledger is still reverted") {
    Sandbox s;
    auto marker = s.make_marker("older.marker");
    auto older = s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, marker));
    auto newer =
        s.write_ledger("20200101T000001.000Z-2", R"({"op":"intent","fault":"one","injector":5,"params":"p"})"
                                                 "\n");
    std::string newer_text = file_text(newer);

    auto r = s.drillhost({"--load", examples, "recover"});
    CHECK(r.exit_code == 3);
    CHECK_FALSE(fs::exists(marker));                                          // the older fault is reverted
    CHECK(fs::exists(s.ledgers / "closed" / older.filename()));               // and its ledger closed
    REQUIRE(fs::exists(newer));                                               // the malformed one is kept
    CHECK(file_text(newer) == newer_text);                                    // untouched
    CHECK_MESSAGE(contains(r.err, newer.filename().string() + ":2"), r.err);  // named with its line
    CHECK_FALSE(contains(r.err, "json.exception"));
    // The table: one row per ledger, with open before / reverted / still open / why.
    CHECK_MESSAGE(contains(r.out, "LEDGER"), r.out);
    CHECK(contains(r.out, "STILL OPEN"));
    CHECK(contains(r.out, older.filename().string()));
    CHECK(contains(r.out, newer.filename().string()));
    CHECK(contains(r.out, "malformed"));
}

TEST_CASE("recover --format json gives the same per ledger") {
    Sandbox s;
    auto marker = s.make_marker("json.marker");
    auto older = s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, marker));
    auto newer = s.write_ledger("20200101T000001.000Z-2", R"({"op":"bogus","fault":1})"
                                                          "\n");
    auto r = s.drillhost({"--load", examples, "--format", "json", "recover"});
    CHECK(r.exit_code == 3);
    auto out = json::parse(r.out);
    REQUIRE(out["ledgers"].is_array());
    REQUIRE(out["ledgers"].size() == 2);
    // Newest first, as recover processes them.
    CHECK(out["ledgers"][0]["ledger"] == newer.filename().string());
    CHECK(out["ledgers"][0]["status"] == "malformed");
    CHECK(contains(out["ledgers"][0]["why"].get<std::string>(), ":2"));
    CHECK(out["ledgers"][1]["ledger"] == older.filename().string());
    CHECK(out["ledgers"][1]["open_before"] == 1);
    CHECK(out["ledgers"][1]["reverted"] == 1);
    CHECK(out["ledgers"][1]["still_open"] == 0);
    CHECK(out["still_open"] == 0);
    CHECK(out["kept"] == 1);
}

TEST_CASE("recover: a symlink named *.jsonl in ledger/ is refused and its target left byte-identical") {
    Sandbox s;
    fs::path victim = s.dir.path() / "victim.txt";
    std::ofstream(victim, std::ios::binary) << "one line of someone's text";  // no newline: looks torn
    std::string before = file_text(victim);
    fs::path link = s.ledgers / "20200101T000000.000Z-1.jsonl";
    fs::create_symlink(victim, link);

    auto r = s.drillhost({"--load", examples, "recover"});
    CHECK(r.exit_code == 3);
    CHECK(file_text(victim) == before);
    CHECK(fs::is_symlink(link));  // not moved to closed/
    CHECK_FALSE(fs::exists(s.ledgers / "closed" / link.filename()));
    CHECK_MESSAGE(contains(r.err, link.string()), r.err);
    CHECK(contains(r.err, "symbolic link"));
}

TEST_CASE("recover: a ledger writable by others is refused, not adopted") {
    Sandbox s;
    auto marker = s.make_marker("shared.marker");
    auto file = s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, marker));
    fs::permissions(file, fs::perms::others_write, fs::perm_options::add);
    std::string before = file_text(file);

    auto r = s.drillhost({"--load", examples, "recover"});
    CHECK(r.exit_code == 3);
    CHECK(fs::exists(marker));  // nothing of it reverted
    CHECK(file_text(file) == before);
    CHECK_MESSAGE(contains(r.err, "writable by group or others"), r.err);
}

TEST_CASE("recover: an unknown op is never read as reverted") {
    Sandbox s;
    auto marker = s.make_marker("unknown-op.marker");
    auto file = s.write_ledger("20200101T000000.000Z-1",
                               marker_fault_lines(1, marker) + R"({"op":"revertd","fault":1})" + "\n");
    std::string before = file_text(file);

    auto r = s.drillhost({"--load", examples, "recover"});
    CHECK(r.exit_code == 3);
    CHECK(fs::exists(file));  // kept, not closed
    CHECK(file_text(file) == before);
    CHECK(fs::exists(marker));  // nothing of a malformed ledger is reverted
    CHECK_MESSAGE(contains(r.err, file.filename().string() + ":4"), r.err);
    CHECK(contains(r.err, "revertd"));
}

TEST_CASE("recover: duplicate fault ids keep the ledger, and --forget resolves it") {
    Sandbox s;
    auto marker = s.make_marker("dup.marker");
    auto file = s.write_ledger("20200101T000000.000Z-1",
                               marker_fault_lines(1, marker) + marker_fault_lines(1, marker));
    std::string before = file_text(file);

    auto first = s.drillhost({"--load", examples, "recover"});
    CHECK(first.exit_code == 3);
    CHECK_MESSAGE(contains(first.err, file.filename().string() + ":4"), first.err);
    CHECK(contains(first.err, "duplicate"));
    CHECK(file_text(file) == before);
    auto again = s.drillhost({"--load", examples, "recover"});
    CHECK(again.exit_code == 3);  // every later recover says so, until a person deals with it

    auto forget = s.drillhost({"recover", "--forget", file.filename().string()});
    CHECK_MESSAGE(forget.exit_code == 0, forget.err);
    fs::path forgotten = s.ledgers / "forgotten" / file.filename();
    CHECK(fs::exists(forgotten));
    CHECK_FALSE(fs::exists(file));
    CHECK(file_text(forgotten) == before);
    CHECK((fs::status(s.ledgers / "forgotten").permissions() & fs::perms::all) == fs::perms::owner_all);
    CHECK(contains(forget.err, "NOT reverted"));
    CHECK(contains(forget.err, file_injector));

    auto after = s.drillhost({"--load", examples, "recover"});
    CHECK_MESSAGE(after.exit_code == 0, after.err);
}

TEST_CASE("recover --forget refuses what is not a ledger of this state dir, and a live run's ledger") {
    Sandbox s;
    auto marker = s.make_marker("live.marker");
    auto file = s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, marker));
    fs::path outside = s.dir.path() / "outside.jsonl";
    std::ofstream(outside) << open_line("x");

    for (std::string name : {std::string("../outside.jsonl"), outside.string(), std::string("nope.jsonl"),
                             std::string("closed"), (s.ledgers / ".." / "outside.jsonl").string()}) {
        CAPTURE(name);
        auto r = s.drillhost({"recover", "--forget", name});
        CHECK(r.exit_code == 2);
        CHECK(contains(r.err, name));
        CHECK(fs::exists(outside));
    }
    CHECK_FALSE(fs::exists(s.ledgers / "forgotten" / "outside.jsonl"));

    // A run that is alive holds the lock on its ledger.
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
    auto live = s.drillhost({"recover", "--forget", file.string()});
    ::close(fd);
    CHECK(live.exit_code == 2);
    CHECK(contains(live.err, "alive"));
    CHECK(fs::exists(file));
}

TEST_CASE("recover --dry-run shows what it would do and changes nothing") {
    Sandbox s;
    auto marker = s.make_marker("dry.marker");
    auto older_marker = s.make_marker("dry-older.marker");
    auto older = s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, older_marker));
    // A crash cut its last line: a real recover would repair it; a dry run must not.
    auto file = s.write_ledger("20200101T000001.000Z-2", marker_fault_lines(1, s.dir.path() / "gone") +
                                                             marker_fault_lines(2, marker) +
                                                             R"({"op":"reverted","fau)");
    std::string before = file_text(file), older_before = file_text(older);

    auto r = s.drillhost({"--load", examples, "recover", "--dry-run"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(fs::exists(marker));
    CHECK(fs::exists(older_marker));
    CHECK(file_text(file) == before);
    CHECK(file_text(older) == older_before);
    CHECK_FALSE(fs::exists(s.ledgers / "closed"));
    CHECK_FALSE(fs::exists(s.state / "runs"));  // no journal either
    CHECK(contains(r.out, file.filename().string()));
    CHECK(contains(r.out, file_injector));
    CHECK(contains(r.out, marker.string()));
    // Newest first: fault 2 is listed before fault 1.
    auto at2 = r.out.find(marker.string()), at1 = r.out.find((s.dir.path() / "gone").string());
    REQUIRE(at2 != std::string::npos);
    REQUIRE(at1 != std::string::npos);
    CHECK(at2 < at1);

    // A malformed ledger makes a dry run exit 3 too, still changing nothing.
    auto bad = s.write_ledger("20200101T000002.000Z-3", R"({"op":"intent"})"
                                                        "\n");
    auto dry_bad = s.drillhost({"--load", examples, "recover", "--dry-run"});
    CHECK(dry_bad.exit_code == 3);
    CHECK(contains(dry_bad.err, bad.filename().string() + ":2"));
    CHECK(fs::exists(marker));
    CHECK(file_text(file) == before);
}

TEST_CASE("recover with a --state-dir that does not exist exits 2 and does not create it") {
    TempDir dir;
    fs::path missing = dir.path() / "stat-dir-typo";
    auto r = run_drillhost({"--state-dir", missing.string(), "recover"}, dir.path());
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, missing.string()), r.err);
    CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("recover with the default state dir missing has nothing to recover and exits 0") {
    TempDir dir;
    fs::path missing = dir.path() / "default-state";
    const char *old = std::getenv("DRILLHOST_STATE_DIR");
    std::string saved = old ? old : "";
    ::setenv("DRILLHOST_STATE_DIR", missing.c_str(), 1);
    auto r = run_drillhost({"recover"}, dir.path());
    if (old)
        ::setenv("DRILLHOST_STATE_DIR", saved.c_str(), 1);
    else
        ::unsetenv("DRILLHOST_STATE_DIR");
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(contains(r.out + r.err, "nothing to recover"));
    CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("recover with nothing open loads no plugin, so a broken one cannot matter") {
    Sandbox s;
    auto r = s.drillhost({"--load", std::string(FIXTURE_DIR) + "/not_elf.so", "recover"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK_FALSE(contains(r.err, "not_elf.so"));
}

TEST_CASE("recover loads the injectors its ledgers name even when an unrelated plugin is broken") {
    Sandbox s;
    auto marker = s.make_marker("broken-neighbour.marker");
    s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, marker));
    auto r = s.drillhost({"--load", std::string(FIXTURE_DIR) + "/not_elf.so", "--load", examples, "recover"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("recover: a ledger another user wrote is refused and left where it is") {
    if (::geteuid() != 0) return;  // needs root to give a file to someone else
    Sandbox s;
    auto marker = s.make_marker("foreign.marker");
    auto file = s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, marker));
    REQUIRE(::chown(file.c_str(), 65534, 65534) == 0);
    std::string before = file_text(file);

    auto r = s.drillhost({"--load", examples, "recover"});
    CHECK(r.exit_code == 3);
    CHECK(fs::exists(file));
    CHECK(file_text(file) == before);
    CHECK(fs::exists(marker));
    CHECK_MESSAGE(contains(r.err, "owned by someone else"), r.err);
}

TEST_CASE("recover: a ledger directory writable by others is refused as a whole, nothing in it touched") {
    Sandbox s;
    auto marker = s.make_marker("world.marker");
    auto file = s.write_ledger("20200101T000000.000Z-1", marker_fault_lines(1, marker));
    fs::permissions(s.ledgers, fs::perms::all);  // 0777, no sticky bit: anyone may plant files
    std::string before = file_text(file);

    auto r = s.drillhost({"--load", examples, "recover"});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, s.ledgers.string()), r.err);
    CHECK(contains(r.err, "writable by group or others"));
    CHECK(file_text(file) == before);
    CHECK(fs::exists(marker));
    CHECK_FALSE(fs::exists(s.ledgers / "closed"));
}

TEST_CASE("recover: a ledger that names an injector by its former id reverts it through the alias") {
    Sandbox s;
    auto marker = s.make_marker("renamed.marker");
    std::string lines = marker_fault_lines(1, marker);
    for (size_t at; (at = lines.find(file_injector)) != std::string::npos;)
        lines.replace(at, file_injector.size(), "org.drillhost.test.old.file");
    s.write_ledger("20200101T000000.000Z-1", lines);
    auto r = s.drillhost({"--load", std::string(FIXTURE_DIR) + "/operations_plugin.so", "recover"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK_FALSE(fs::exists(marker));
}
