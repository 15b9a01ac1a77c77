// Reports from a real run's journal (issue 19): a run whose drills pass, fail a check, skip, err and
// crash, rendered by `run --junit --markdown` at its end and by `report` from the journal, then read
// back by the parsers CI systems and wikis use (pugixml here, Debian's python3-junitparser and
// python3-markdown), never by comparing text with itself.
#include <doctest/doctest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"
#include "test_text.hpp"

namespace fs = std::filesystem;

namespace {

const std::string examples = std::string(EXAMPLES_DIR) + "/*.so";
const std::string report_drills = std::string(FIXTURE_DIR) + "/report/report_drills.so";
const std::string error_drill = std::string(FIXTURE_DIR) + "/error_drill.so";
const std::string crashing = std::string(FIXTURE_DIR) + "/crashing/crashing_plugins.so";

std::string read_text(const fs::path &path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Debian's python3 with its packages (another python3 on PATH may lack them).
Finished python(const std::string &script, const std::vector<std::string> &args, const fs::path &dir) {
    fs::path file = dir / "check.py";
    std::ofstream(file) << script;
    std::vector<std::string> argv = {file.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program("/usr/bin/python3", argv, dir);
}

struct FiveOutcomes {
    TempDir dir;
    fs::path journal = dir.path() / "run.jsonl", junit = dir.path() / "run.xml",
             markdown = dir.path() / "run.md", html = dir.path() / "run.html";
    Finished run = run_drillhost(
        {
            "--state-dir",
            (dir.path() / "state").string(),
            "--load",
            examples,
            "--load",
            report_drills,
            "--load",
            error_drill,
            "--load",
            crashing,
            "run",
            "--target",
            "none",  //
            "org.drillhost.example.marker",
            "fails-a-check",
            "skips",
            "org.drillhost.test.error-drill",
            "org.drillhost.test.segv-drill",  //
            "-p",
            "org.drillhost.example.marker:path=" + (dir.path() / "m1").string(),  //
            "-p",
            "org.drillhost.example.marker:hold_ms=700",  //
            "-p",
            "fails-a-check:path=" + (dir.path() / "m2").string(),  //
            "--journal",
            journal.string(),
            "--junit",
            junit.string(),
            "--markdown",
            markdown.string(),  //
            "--html",
            html.string()  //
        },
        dir.path(), std::chrono::seconds(120));
};

}  // namespace

TEST_CASE(
    "run --junit: a testcase per drill, the failed check's observed value and bound in <failure>, "
    "skipped, error and crash apart, measurements as properties, no password") {
    FiveOutcomes r;
    CHECK_MESSAGE(r.run.exit_code == 1, r.run.err);  // a drill failed
    pugi::xml_document doc;
    REQUIRE(doc.load_file(r.junit.c_str()));
    auto suites = doc.child("testsuites");
    CHECK(suites.attribute("tests").as_int() == 5);
    CHECK(suites.attribute("failures").as_int() == 1);
    CHECK(suites.attribute("errors").as_int() == 2);
    CHECK(suites.attribute("skipped").as_int() == 1);
    std::map<std::string, pugi::xml_node> cases;
    for (auto tc : suites.child("testsuite").children("testcase")) cases[tc.attribute("name").value()] = tc;
    REQUIRE(cases.size() == 5);
    CHECK(std::string(cases["marker"].attribute("classname").value()) == "org.drillhost.example");
    CHECK_FALSE(cases["marker"].child("failure"));
    auto failure = cases["fails-a-check"].child("failure");
    REQUIRE(failure);
    std::string failure_text = failure.text().get();
    CHECK(contains(failure_text, "no write lost: observed 3 writes lost"));
    CHECK(contains(failure_text, "; bound 0"));
    CHECK_FALSE(contains(failure_text, "hunter2"));
    CHECK(std::string(cases["fails-a-check"]
                          .child("properties")
                          .find_child_by_attribute("name", "rto")
                          .attribute("value")
                          .value()) == "1.2 s");
    CHECK(contains(cases["skips"].child("skipped").attribute("message").value(), "needs two replicas"));
    CHECK(std::string(cases["error-drill"].child("error").attribute("type").value()) == "error");
    CHECK(std::string(cases["segv-drill"].child("error").attribute("type").value()) == "crashed");
    CHECK_FALSE(contains(read_text(r.junit), "hunter2"));

    // As CI systems read it.
    auto parsed = python(R"py(
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    for case in suite:
        kinds = [type(r).__name__ for r in case.result]
        print(case.classname, case.name, ",".join(kinds) or "passed")
)py",
                         {r.junit.string()}, r.dir.path());
    REQUIRE_MESSAGE(parsed.exit_code == 0, parsed.err);
    CHECK(contains(parsed.out, "org.drillhost.example marker passed"));
    CHECK(contains(parsed.out, "org.drillhost.test fails-a-check Failure"));
    CHECK(contains(parsed.out, "org.drillhost.test skips Skipped"));
    CHECK(contains(parsed.out, "org.drillhost.test error-drill Error"));
    CHECK(contains(parsed.out, "org.drillhost.test segv-drill Error"));
}

TEST_CASE(
    "run --markdown and report: the drill table and the failed check, escaped, as a Markdown reader "
    "renders them, report from the journal writes the same files") {
    FiveOutcomes r;
    REQUIRE_MESSAGE(fs::exists(r.markdown), r.run.err);
    auto rendered = python(R"py(
import sys, markdown, html.parser
text = open(sys.argv[1]).read()
page = markdown.markdown(text, extensions=["tables"])
class Cells(html.parser.HTMLParser):
    rows, cell, tags = [], None, []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr": self.rows.append([])
        if tag in ("td", "th"): self.cell = ""
    def handle_endtag(self, tag):
        if tag in ("td", "th"): self.rows[-1].append(self.cell.strip()); self.cell = None
    def handle_data(self, data):
        if self.cell is not None: self.cell += data
p = Cells(); p.feed(page)
for row in p.rows: print(" / ".join(row))
print("script tags:", p.tags.count("script"))
print("page:", page.replace("\n", " "))
)py",
                           {r.markdown.string()}, r.dir.path());
    REQUIRE_MESSAGE(rendered.exit_code == 0, rendered.err);
    INFO(rendered.out);
    CHECK(contains(rendered.out, "drill / verdict / time / checks / key numbers"));
    CHECK(contains(rendered.out, "marker / passed / "));
    CHECK(contains(rendered.out, "fails-a-check / failed / "));
    CHECK(contains(rendered.out, "rto 1.2 s, lost_writes 3"));
    CHECK(contains(rendered.out, "skips / skipped / "));
    CHECK(contains(rendered.out, "error-drill / error / "));
    CHECK(contains(rendered.out, "segv-drill / crashed / "));
    CHECK(contains(rendered.out, "script tags: 0"));  // the observed value's markup stayed text
    CHECK(contains(rendered.out, "FAIL no write lost"));
    CHECK_FALSE(contains(rendered.out, "hunter2"));

    // `report` renders the same files from the journal alone.
    auto again =
        run_drillhost({"report", r.journal.string(), "--junit", (r.dir.path() / "again.xml").string(),
                       "--markdown", (r.dir.path() / "again.md").string()},
                      r.dir.path());
    REQUIRE_MESSAGE(again.exit_code == 0, again.err);
    CHECK(read_text(r.dir.path() / "again.xml") == read_text(r.junit));
    CHECK(read_text(r.dir.path() / "again.md") == read_text(r.markdown));
    auto stdout_md = run_drillhost({"report", r.journal.string()}, r.dir.path());
    CHECK(stdout_md.out == read_text(r.markdown));
}

TEST_CASE(
    "report: what is not a journal is a usage error naming the file and the line, a cut last line is "
    "tolerated and noted") {
    TempDir dir;
    auto missing = run_drillhost({"report", (dir.path() / "none.jsonl").string()}, dir.path());
    CHECK(missing.exit_code == 2);
    CHECK(contains(missing.err, "none.jsonl"));
    fs::path garbage = dir.path() / "garbage.jsonl";
    std::ofstream(garbage) << "{\"type\":\"run.start\",\"run\":\"r1\",\"mono_ms\":0}\nnot json\n{}\n";
    auto bad = run_drillhost({"report", garbage.string()}, dir.path());
    CHECK(bad.exit_code == 2);
    CHECK_MESSAGE(contains(bad.err, "garbage.jsonl: line 2 is not a JSON object"), bad.err);
    fs::path other = dir.path() / "other.jsonl";
    std::ofstream(other) << "{\"a\": 1}\n";
    auto foreign = run_drillhost({"report", other.string()}, dir.path());
    CHECK(foreign.exit_code == 2);
    CHECK(contains(foreign.err, "no run.start"));
    fs::path cut = dir.path() / "cut.jsonl";
    std::ofstream(cut) << "{\"type\":\"run.start\",\"run\":\"r2\",\"mono_ms\":0}\n"
                          "{\"type\":\"drill.start\",\"drill\":\"org.x.drill.d\",\"mono_ms\":1}\n"
                          "{\"type\":\"verdict\",\"drill\":\"org.x.drill.d\",\"name\":\"c\",\"verd";
    auto tolerated = run_drillhost({"report", cut.string()}, dir.path());
    CHECK_MESSAGE(tolerated.exit_code == 0, tolerated.err);
    CHECK(contains(tolerated.out, "line 3 is cut"));
    CHECK(contains(tolerated.out, "| d | **unfinished** |"));
    auto unwritable = run_drillhost({"report", cut.string(), "--junit", "/proc/x.xml"}, dir.path());
    CHECK(unwritable.exit_code == 2);
    CHECK(contains(unwritable.err, "--junit"));
}

TEST_CASE(
    "a drill in a worker reads the run's clock: its now_ms() is the journal's mono_ms, not time since "
    "its worker started") {
    FiveOutcomes r;
    std::ifstream lines(r.journal);
    double drill_start = -1, now_ms = -1, written = -1;
    for (std::string line; std::getline(lines, line);) {
        auto l = nlohmann::json::parse(line);
        if (l["type"] == "drill.start" && l["drill"] == "org.drillhost.test.fails-a-check")
            drill_start = l["mono_ms"];
        if (l["type"] == "event" && l["name"] == "clock")
            now_ms = l["details"]["now_ms"], written = l["mono_ms"];
    }
    REQUIRE(drill_start > 600);  // after the marker's 700 ms hold
    CHECK(now_ms >= drill_start);
    CHECK(written - now_ms >= 0);
    CHECK(written - now_ms < 100);  // the event is journalled as soon as it is sent
}

TEST_CASE(
    "run --html: the page of a run with every outcome opens in headless Chromium, fetches nothing, "
    "and shows the failed check, the password and the markup in its observed value stay out") {
    FiveOutcomes r;
    REQUIRE_MESSAGE(fs::exists(r.html), r.run.err);
    std::string page = read_text(r.html);
    CHECK_FALSE(contains(page, "hunter2"));
    CHECK_FALSE(contains(page, "<script"));
    CHECK(contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    auto opened = run_program("/usr/bin/python3",
                              {std::string(TESTS_SOURCE_DIR) + "/report/check_html.py", r.html.string(),
                               r.journal.string(), (r.dir.path() / "run.png").string()},
                              r.dir.path(), std::chrono::seconds(90));
    CHECK_MESSAGE(opened.exit_code == 0, opened.out << opened.err);
    CHECK(contains(opened.out, "\"sections\": 5"));
    CHECK(fs::file_size(r.dir.path() / "run.png") > 10000);
}

namespace {

// A journal as a run writes it, in the fields the reports read: each drill's start, measurements and
// end (mono_ms on the run's clock).
std::string journal_of(const std::string &run, const std::string &version, int ttl,
                       const std::vector<std::tuple<std::string, std::string, std::string, double>> &drills) {
    std::string text = "{\"type\":\"run.start\",\"run\":\"" + run +
                       "\",\"mono_ms\":0,\"wall\":\"2026-12-03T10:00:00Z\"}\n" +
                       "{\"type\":\"run.info\",\"cluster\":{\"scope\":\"pg-test\",\"patroni_version\":\"" +
                       version + "\",\"timing\":{\"ttl\":" + std::to_string(ttl) + "}},\"mono_ms\":1}\n";
    double t = 10;
    for (const auto &[drill, outcome, measurement, value] : drills) {
        std::string id = "org.drillhost.drill." + drill;
        text += "{\"type\":\"drill.start\",\"drill\":\"" + id + "\",\"mono_ms\":" + std::to_string(t) + "}\n";
        text += "{\"type\":\"measurement\",\"drill\":\"" + id + "\",\"name\":\"" + measurement +
                "\",\"unit\":\"ms\",\"value\":" + std::to_string(value) +
                ",\"mono_ms\":" + std::to_string(t + 5) + "}\n";
        text += "{\"type\":\"drill.end\",\"drill\":\"" + id + "\",\"outcome\":\"" + outcome +
                "\",\"duration_ms\":10000,\"mono_ms\":" + std::to_string(t + 10000) + "}\n";
        t += 10001;
    }
    return text + "{\"type\":\"run.end\",\"mono_ms\":" + std::to_string(t) + "}\n";
}

}  // namespace

TEST_CASE(
    "report --compare: two runs side by side, the differences as computed by hand, a verdict that "
    "changed and a drill only one run has") {
    TempDir dir;
    fs::path a = dir.path() / "a.jsonl", b = dir.path() / "b.jsonl";
    std::ofstream(a) << journal_of(
        "run-a", "3.0.2", 10,
        {{"switchover", "passed", "switchover", 2700}, {"node-lost", "passed", "rto", 10000}});
    std::ofstream(b) << journal_of("run-b", "4.1.4", 20,
                                   {{"switchover", "passed", "switchover", 3100},
                                    {"node-lost", "failed", "rto", 12500},
                                    {"quorum", "passed", "rto", 900}});
    auto md = run_drillhost({"report", "--compare", a.string(), b.string()}, dir.path());
    REQUIRE_MESSAGE(md.exit_code == 0, md.err);
    INFO(md.out);
    CHECK(contains(md.out, "- A: run-a (pg-test, Patroni 3.0.2, ttl 10 s): 2 passed"));
    CHECK(contains(md.out, "- B: run-b (pg-test, Patroni 4.1.4, ttl 20 s): 1 failed, 2 passed"));
    CHECK(contains(md.out, "- Verdicts that differ: 2 of 3 drills"));  // node-lost, and quorum not in A
    CHECK(contains(md.out, "| switchover | 2.7 s | 3.1 s | +400 ms (+15%) |"));  // 400 / 2700
    CHECK(contains(md.out, "## node-lost: **verdict changed**"));
    CHECK(contains(md.out, "| rto | 10.0 s | 12.5 s | +2.5 s (+25%) |"));  // 2500 / 10000
    CHECK(contains(md.out, "| verdict | not run | passed | **changed** |"));

    auto as_json =
        run_drillhost({"--format", "json", "report", "--compare", a.string(), b.string()}, dir.path());
    REQUIRE(as_json.exit_code == 0);
    auto j = nlohmann::json::parse(as_json.out);
    CHECK(j["drills"][0]["numbers"][0]["difference"] == 400.0);
    CHECK(j["drills"][1]["verdict_changed"] == true);
    CHECK(j["drills"][1]["numbers"][0]["difference"] == 2500.0);
    CHECK(j["drills"][2]["a"].is_null());

    // Two recorded run --all on Patroni 3.0.2 (before and after the journal named its cluster): each
    // drill's numbers and their differences as read from the journals here.
    std::string before =
        std::string(TESTS_SOURCE_DIR) + "/report/journals/run-all-patroni-3.0.2-before-run-info.jsonl";
    std::string after = std::string(TESTS_SOURCE_DIR) + "/report/journals/run-all-patroni-3.0.2.jsonl";
    auto last_values = [](const std::string &path) {
        std::map<std::pair<std::string, std::string>, double> values;  // (drill, measurement) -> last value
        std::ifstream in(path);
        for (std::string line; std::getline(in, line);) {
            auto l = nlohmann::json::parse(line);
            if (l["type"] == "measurement") values[{l["drill"], l["name"]}] = l["value"];
        }
        return values;
    };
    auto va = last_values(before), vb = last_values(after);
    auto recorded_pair =
        run_drillhost({"--format", "json", "report", "--compare", before, after}, dir.path());
    REQUIRE(recorded_pair.exit_code == 0);
    auto pairs = nlohmann::json::parse(recorded_pair.out)["drills"];
    CHECK(pairs.size() == 24);
    size_t compared = 0;
    for (const auto &p : pairs)
        for (const auto &n : p["numbers"]) {
            std::pair<std::string, std::string> key{p["drill"], n["name"]};
            if (!va.count(key) || !vb.count(key)) {
                CHECK(n["difference"].is_null());
                continue;
            }
            CHECK(n["a"] == va[key]);
            CHECK(n["b"] == vb[key]);
            CHECK(n["difference"] == vb[key] - va[key]);
            ++compared;
        }
    CHECK(compared > 100);
    CHECK(pairs[pairs.size() - 2]["drill"] == "org.drillhost.drill.network-partition");
    CHECK(pairs[pairs.size() - 2]["verdict_changed"] == true);  // passed before, failed after (the retake)

    // A recorded run --all against itself: nothing differs.
    std::string recorded = std::string(TESTS_SOURCE_DIR) + "/report/journals/run-all-patroni-3.0.2.jsonl";
    auto same = run_drillhost({"report", "--compare", recorded, recorded}, dir.path());
    CHECK(contains(same.out, "- Verdicts that differ: 0 of 24 drills"));
    CHECK_FALSE(contains(same.out, "verdict changed"));
    CHECK_FALSE(contains(same.out, "| +"));
    CHECK_FALSE(contains(same.out, "| -"));

    auto both = run_drillhost({"report", a.string(), "--compare", a.string(), b.string()}, dir.path());
    CHECK(both.exit_code == 2);
    auto one = run_drillhost({"report", "--compare", a.string()}, dir.path());
    CHECK(one.exit_code == 2);
}

TEST_CASE(
    "the run's summary table fits the terminal: with COLUMNS=80 the numbers move under their row, "
    "none cut, in a pipe without COLUMNS each row stays one line") {
    TempDir dir;
    auto run = [&] {
        return run_drillhost(
            {"--state-dir", (dir.path() / "state").string(), "--load", examples, "--load", report_drills,
             "run", "--target", "none", "org.drillhost.example.marker", "fails-a-check", "-p",
             "org.drillhost.example.marker:path=" + (dir.path() / "m1").string(), "-p",
             "fails-a-check:path=" + (dir.path() / "m2").string()},
            dir.path());
    };
    ::setenv("COLUMNS", "80", 1);
    auto narrow = run();
    ::unsetenv("COLUMNS");
    auto wide = run();
    INFO(narrow.out);
    std::istringstream lines(narrow.out);
    bool in_table = false;
    std::string numbers;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("DRILL", 0) == 0) in_table = true;
        if (line.rfind("  FAIL", 0) == 0 || line.rfind("journal:", 0) == 0) in_table = false;
        if (!in_table) continue;
        CHECK_MESSAGE(line.size() <= 80, line);
        if (line.rfind("    ", 0) == 0) numbers += line;
    }
    for (const char *name : {"inject_latency=", "revert_latency=", "rto=1234.5 ms", "lost_writes=3 count"})
        CHECK_MESSAGE(contains(numbers, name), name);
    CHECK(contains(wide.out, "fail  rto=1234.5 ms, lost_writes=3 count\n"));  // beside its row, whole
}

TEST_CASE(
    "a run stopped with Ctrl-C still writes its reports: the cancelled drill is an error in JUnit and "
    "a section in the HTML") {
    TempDir dir;
    fs::path journal = dir.path() / "run.jsonl", junit = dir.path() / "run.xml",
             html = dir.path() / "run.html";
    DrillhostProcess run(
        {"--state-dir", (dir.path() / "state").string(), "--load", examples, "run", "--target", "none",
         "org.drillhost.example.marker", "-p", "path=" + (dir.path() / "m").string(), "-p", "hold_ms=30000",
         "--journal", journal.string(), "--junit", junit.string(), "--html", html.string()},
        dir.path());
    REQUIRE(eventually([&] { return fs::exists(dir.path() / "m"); }, std::chrono::seconds(20)));  // holding
    run.send(SIGINT);
    auto ended = run.wait(std::chrono::seconds(60));
    CHECK_MESSAGE(ended.exit_code == 1, ended.err);
    pugi::xml_document doc;
    REQUIRE_MESSAGE(doc.load_file(junit.c_str()), ended.err);
    auto error = doc.child("testsuites").child("testsuite").child("testcase").child("error");
    CHECK(std::string(error.attribute("type").value()) == "cancelled");
    std::string page = read_text(html);
    CHECK(contains(page, "<section class=\"drill\""));
    CHECK(contains(page, "cancelled"));
    CHECK_FALSE(fs::exists(dir.path() / "m"));  // its fault was reverted before the reports were written
}

TEST_CASE(
    "report: hostile journals - a time of centuries is refused naming the line, thousands of members "
    "stay a bounded page, journal text never becomes markup or a style") {
    TempDir dir;
    auto write = [&](const std::string &name, const std::string &text) {
        fs::path path = dir.path() / name;
        std::ofstream(path) << text;
        return path.string();
    };
    const std::string start =
        "{\"type\":\"run.start\",\"run\":\"r\",\"drillhost_version\":\"0.1.0\",\"mono_ms\":0}\n"
        "{\"type\":\"drill.start\",\"drill\":\"org.x.drill.d\",\"mono_ms\":1}\n";
    auto centuries = run_drillhost(
        {"report",
         write("long.jsonl", start + "{\"type\":\"drill.end\",\"drill\":\"org.x.drill.d\","
                                     "\"outcome\":\"passed\",\"duration_ms\":1e300,\"mono_ms\":2}\n")},
        dir.path(), std::chrono::seconds(10));
    CHECK(centuries.exit_code == 2);
    CHECK_MESSAGE(contains(centuries.err, "long.jsonl: line 3: duration_ms"), centuries.err);

    // 3000 role samples, each naming a new member: the page draws 64 lanes and says how many more.
    std::string many = start;
    for (int i = 0; i < 3000; ++i)
        many += "{\"type\":\"event\",\"drill\":\"org.x.drill.d\",\"name\":\"roles\",\"mono_ms\":" +
                std::to_string(2 + i) + ",\"details\":{\"t_ms\":" + std::to_string(2 + i) +
                ",\"members\":{\"m" + std::to_string(i) +
                "\":{\"role\":\"replica\",\"state\":\"running\"}}}}\n";
    many +=
        "{\"type\":\"drill.end\",\"drill\":\"org.x.drill.d\",\"outcome\":\"passed\",\"duration_ms\":4000,"
        "\"mono_ms\":4001}\n";
    fs::path page = dir.path() / "many.html";
    auto bounded = run_drillhost({"report", write("many.jsonl", many), "--html", page.string()}, dir.path(),
                                 std::chrono::seconds(30));
    REQUIRE_MESSAGE(bounded.exit_code == 0, bounded.err);
    CHECK(fs::file_size(page) < 20u << 20);
    CHECK(contains(read_text(page), "2936 more members than the 64 drawn"));

    // Markup and styles from the journal stay text.
    std::string marked = start +
                         "{\"type\":\"verdict\",\"drill\":\"org.x.drill.d\",\"name\":\"c\",\"verdict\":\"x "
                         "check-fail\",\"observed\":\"o\",\"bound\":\"b\",\"mono_ms\":2}\n"
                         "{\"type\":\"drill.end\",\"drill\":\"org.x.drill.d\",\"outcome\":\"x | <img src=x "
                         "onerror=alert(1)>\",\"duration_ms\":3,\"mono_ms\":4}\n";
    fs::path marked_page = dir.path() / "marked.html";
    auto md =
        run_drillhost({"report", write("marked.jsonl", marked), "--html", marked_page.string()}, dir.path());
    REQUIRE_MESSAGE(md.exit_code == 0, md.err);
    auto markdown = run_drillhost({"report", (dir.path() / "marked.jsonl").string()}, dir.path());
    auto count = [](const std::string &text, const std::string &what) {
        size_t n = 0;
        for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    CHECK(count(markdown.out, "<img") > 0);
    CHECK(count(markdown.out, "<img") == count(markdown.out, "\\<img"));  // every one escaped
    CHECK(contains(markdown.out, "\\| \\<img"));
    std::string html = read_text(marked_page);
    CHECK_FALSE(contains(html, "<img"));
    CHECK_FALSE(contains(html, "class=\"check-x"));
    CHECK(contains(html, "class=\"check-other\""));
}
