// What plugins hand the host, as a user of the binary sees it (issue 13): text that is not UTF-8,
// calls after a drill's run returned, time values, ledgers left by probe/status/inject, exit codes
// of a refused inject, and the journal's mode and redaction.
#include <doctest/doctest.h>
#include <sys/stat.h>

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
const std::string abuse = std::string(FIXTURE_DIR) + "/host_abuse.so";

struct Sandbox {
    TempDir dir;
    fs::path state = dir.path() / "state";
    Finished drillhost(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--state-dir", state.string(), "--load", examples, "--load", abuse});
        return run_drillhost(args, dir.path());
    }
    // Every file under <state>/ledger, closed/ included.
    std::vector<std::string> ledger_files() const {
        std::vector<std::string> files;
        std::error_code ec;
        for (const auto &e : fs::recursive_directory_iterator(state / "ledger", ec))
            if (e.is_regular_file()) files.push_back(e.path().string());
        return files;
    }
    std::vector<json> journal(const std::string &path) const {
        std::vector<json> lines;
        std::ifstream in(path);
        for (std::string line; std::getline(in, line);) {
            auto parsed = json::parse(line, nullptr, false);
            CHECK_MESSAGE(!parsed.is_discarded(), line);
            lines.push_back(parsed);
        }
        return lines;
    }
};

std::string joined(const std::vector<std::string> &files) {
    std::string out;
    for (const auto &f : files) out += f + "\n";
    return out;
}

}  // namespace

TEST_CASE("a plugin's text that is not UTF-8 neither aborts the run nor stops the next drill") {
    Sandbox s;
    auto r = s.drillhost({"--format", "json", "run", "--target", "none", "org.drillhost.test.bad-utf8",
                          "org.drillhost.example.c-hello"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    auto summary = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(!summary.is_discarded(), r.out);
    REQUIRE(summary["drills"].size() == 2);
    CHECK(summary["drills"][0]["outcome"] == "passed");
    CHECK(summary["drills"][1]["outcome"] == "passed");
    CHECK(s.ledger_files().size() <= 1);  // at most the closed ledger of the run
    for (const auto &file : s.ledger_files()) CHECK_MESSAGE(contains(file, "/closed/"), file);
    auto lines = s.journal(summary["journal"].get<std::string>());
    CHECK(std::any_of(lines.begin(), lines.end(), [](const json &l) { return l["type"] == "run.end"; }));
}

TEST_CASE("a drill whose error text is not UTF-8 is an error with a readable message") {
    Sandbox s;
    auto r = s.drillhost(
        {"run", "--target", "none", "org.drillhost.test.bad-utf8-error", "org.drillhost.example.c-hello"});
    CHECK_MESSAGE(r.exit_code == 1, r.err);
    CHECK(contains(r.err + r.out, "broken \xEF\xBF\xBD\xEF\xBF\xBD text"));
    CHECK(contains(r.out, "org.drillhost.example.c-hello"));
}

// In process, such calls are refused (unit/runner_test.cpp); the CLI runs each drill in a worker
// process, which ends when run returns, and the thread with it.
TEST_CASE(
    "a plugin thread that outlives its drill's run ends with the drill's worker, nothing late reaches the "
    "journal") {
    Sandbox s;
    fs::path report = s.dir.path() / "late.txt";
    fs::path marker = s.dir.path() / "marker";
    auto r = s.drillhost({"--format", "json", "run", "--target", "none", "org.drillhost.test.late-caller",
                          "org.drillhost.example.marker", "-p",
                          "org.drillhost.test.late-caller:report=" + report.string(), "-p",
                          "org.drillhost.example.marker:hold_ms=1500", "-p",
                          "org.drillhost.example.marker:path=" + marker.string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.signal == 0);
    // The thread writes its report after calling the host for 1 s; the marker drill held 1.5 s.
    CHECK_FALSE(fs::exists(report));

    auto summary = json::parse(r.out);
    for (const auto &l : s.journal(summary["journal"].get<std::string>())) {
        CHECK(l.value("name", "") != "late-event");
        CHECK(l.value("name", "") != "late");
        if (l["type"] != "log") continue;
        CHECK_FALSE(contains(l["message"].get<std::string>(), "late log line"));
    }
}

TEST_CASE("hold_ms beyond its documented maximum is a usage error naming it") {
    Sandbox s;
    auto r = s.drillhost({"run", "--target", "none", "org.drillhost.example.marker", "-p",
                          "hold_ms=10000000000000", "-p", "path=" + (s.dir.path() / "marker").string()});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, "hold_ms"), r.err);
    CHECK(s.ledger_files().empty());
}

TEST_CASE("probe and status leave no ledger, whether they succeed or fail") {
    Sandbox s;
    auto ok = s.drillhost({"probe", "org.drillhost.example.file-exists", "-p",
                           "path=" + s.dir.path().string(), "--target", "none"});
    CHECK_MESSAGE(ok.exit_code == 0, ok.err);
    CHECK(contains(ok.out, "\"exists\""));
    CHECK_MESSAGE(s.ledger_files().empty(), joined(s.ledger_files()));

    auto failing = s.drillhost({"probe", "org.drillhost.test.failing-probe", "--target", "none"});
    CHECK(failing.exit_code == 3);
    CHECK(contains(failing.err, "down on purpose"));
    CHECK_MESSAGE(s.ledger_files().empty(), joined(s.ledger_files()));

    auto usage =
        s.drillhost({"probe", "org.drillhost.example.file-exists", "-p", "nope=1", "--target", "none"});
    CHECK(usage.exit_code == 2);
    CHECK_MESSAGE(s.ledger_files().empty(), joined(s.ledger_files()));

    auto status = s.drillhost({"status", "--target", "none"});
    CHECK(status.exit_code != 0);
    CHECK_MESSAGE(s.ledger_files().empty(), joined(s.ledger_files()));
}

TEST_CASE("inject refused by the injector exits 3 and leaves no ledger") {
    Sandbox s;
    fs::path existing = s.dir.path() / "existing";
    { std::ofstream(existing) << "someone else's"; }
    auto refused = s.drillhost(
        {"inject", "org.drillhost.example.file", "-p", "path=" + existing.string(), "--target", "none"});
    CHECK(refused.exit_code == 3);
    CHECK_MESSAGE(contains(refused.err, "already exists"), refused.err);
    CHECK_MESSAGE(s.ledger_files().empty(), joined(s.ledger_files()));
    CHECK(file_text(existing) == "someone else's");

    auto usage = s.drillhost({"inject", "org.drillhost.example.file", "-p", "path=", "--target", "none"});
    CHECK(usage.exit_code == 2);
    CHECK_MESSAGE(s.ledger_files().empty(), joined(s.ledger_files()));
}

TEST_CASE("the run journal is 0600 in a 0700 runs/, and keeps no password") {
    Sandbox s;
    fs::path target = s.dir.path() / "target.yaml";
    {
        std::ofstream out(target);
        out << "scope: demo\n"
               "members:\n"
               "  - {name: pg-1, address: 127.0.0.1, rest_url: \"http://admin:s3cr3t-rest@127.0.0.1:1\"}\n";
    }
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
    auto r = s.drillhost(
        {"--format", "json", "run", "--target", target.string(), "org.drillhost.test.log-target"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto summary = json::parse(r.out);
    std::string journal = summary["journal"];
    struct stat st {};
    REQUIRE(::stat(journal.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((s.state / "runs").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    std::string text = file_text(journal);
    CHECK(contains(text, "127.0.0.1"));
    CHECK_FALSE(contains(text, "s3cr3t-rest"));
    CHECK_FALSE(contains(r.err, "s3cr3t-rest"));
    CHECK_FALSE(contains(r.out, "s3cr3t-rest"));
}
