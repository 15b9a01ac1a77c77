// What a user types and the files a run is pointed at: durations, deep JSON, report and journal
// paths, target files (trust, shape), one run per cluster, and secrets that must never be printed.
#include <doctest/doctest.h>
#include <signal.h>
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

struct Inputs {
    TempDir dir;
    fs::path state = dir.path() / "state";
    fs::path marker = dir.path() / "fault.marker";
    Finished drillhost(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--state-dir", state.string()});
        return run_drillhost(args, dir.path());
    }
    // A marker drill run that would create `marker`: proves whether a refused run touched anything.
    std::vector<std::string> marker_run(std::vector<std::string> extra) const {
        std::vector<std::string> args = {"--load", examples,
                                         "run",    "--target",
                                         "none",   "org.drillhost.example.marker",
                                         "-p",     "path=" + marker.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
    fs::path write(const std::string &name, const std::string &text, mode_t mode = 0600) const {
        fs::path path = dir.path() / name;
        std::ofstream(path) << text;
        ::chmod(path.c_str(), mode);
        return path;
    }
    size_t files_under(const std::string &sub) const {
        size_t n = 0;
        std::error_code ec;
        for (const auto &e : fs::recursive_directory_iterator(state / sub, ec)) n += e.is_regular_file();
        return n;
    }
};

}  // namespace

TEST_CASE("--timeout and --grace must be finite and in range (a NaN timeout timed drills out at once)") {
    Inputs in;
    for (std::string value : {"nan", "inf", "1e10", "1e300", "-1", "0", "abc"}) {
        CAPTURE(value);
        auto r = in.drillhost(in.marker_run({"--timeout", value}));
        CHECK(r.exit_code == 2);
        CHECK_MESSAGE(contains(r.err, "--timeout"), r.err);
        CHECK_MESSAGE(contains(r.err, value), r.err);
        CHECK_FALSE(fs::exists(in.marker));
    }
    auto grace = in.drillhost(in.marker_run({"--grace", "nan"}));
    CHECK(grace.exit_code == 2);
    CHECK_MESSAGE(contains(grace.err, "0 to 3600 seconds"), grace.err);
    CHECK(in.drillhost(in.marker_run({"--timeout", "30"})).exit_code == 0);
}

TEST_CASE("sandbox up --rto-plan without --services or the Pigsty profile is refused, not ignored") {
    Inputs in;
    auto r = in.drillhost({"sandbox", "up", "--rto-plan", "norm"});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, "--rto-plan"), r.err);
    CHECK_MESSAGE(contains(r.err, "--services"), r.err);
    CHECK_FALSE(fs::exists(in.state / "sandbox"));  // nothing was built
}

TEST_CASE("a 60 000-deep -p value is a usage error, not a crash") {
    Inputs in;
    std::string deep = std::string(60000, '[') + std::string(60000, ']');
    auto r = in.drillhost(in.marker_run({"-p", "extra=" + deep}));
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, "--param extra: JSON nested deeper than 64 levels"), r.err);
}

TEST_CASE("--report and --journal that cannot be written are refused before the first drill") {
    Inputs in;
    fs::create_directory(in.dir.path() / "a-directory");
    for (std::string option : {"--report", "--journal"}) {
        for (std::string path : {(in.dir.path() / "missing" / "r.json").string(),
                                 std::string("/proc/version"), (in.dir.path() / "a-directory").string()}) {
            CAPTURE(option);
            CAPTURE(path);
            auto r = in.drillhost(in.marker_run({option, path, "-p", "hold_ms=0"}));
            CHECK(r.exit_code == 2);
            CHECK_MESSAGE(contains(r.err, option + " " + path + ": "), r.err);
            CHECK_FALSE(contains(r.err, "starting"));  // no drill ran
        }
    }
    // A report that can be written is written whole, mode 0600.
    fs::path report = in.dir.path() / "report.json";
    auto ok = in.drillhost(in.marker_run({"--report", report.string(), "-p", "hold_ms=0"}));
    REQUIRE_MESSAGE(ok.exit_code == 0, ok.err);
    CHECK(json::parse(file_text(report))["exit_code"] == 0);
    struct stat st {};
    REQUIRE(::stat(report.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("target files: a directory, a symlink, loose modes and a wrong shape are clear usage errors") {
    Inputs in;
    auto run_with = [&](const std::string &target) {
        return in.drillhost({"--load", examples, "run", "--target", target, "org.drillhost.example.marker",
                             "-p", "path=" + in.marker.string()});
    };
    auto dir = run_with(in.dir.path().string());
    CHECK(dir.exit_code == 2);
    CHECK_MESSAGE(contains(dir.err, "--target " + in.dir.path().string() + ": is a directory"), dir.err);
    CHECK_FALSE(contains(dir.err, "basic_filebuf"));

    auto good = in.write("target.yaml", "scope: demo\nmembers:\n  - {name: db1, address: 127.0.0.1}\n");
    fs::create_symlink(good, in.dir.path() / "link.yaml");
    auto link = run_with((in.dir.path() / "link.yaml").string());
    CHECK(link.exit_code == 2);
    CHECK_MESSAGE(contains(link.err, "is a symbolic link"), link.err);

    auto loose = in.write("loose.yaml", "scope: demo\n", 0666);
    auto loose_run = run_with(loose.string());
    CHECK(loose_run.exit_code == 2);
    CHECK_MESSAGE(contains(loose_run.err, "writable by group or others (mode 0666"), loose_run.err);

    auto shapes = {std::pair{"members: 5\n", "/members"}, std::pair{"members: [1, 2]\n", "/members/0"},
                   std::pair{"members:\n  - {address: 10.0.0.1}\n", "/members/0"},
                   std::pair{"scope: [a]\n", "/scope"}};
    for (auto [text, pointer] : shapes) {
        CAPTURE(text);
        auto file = in.write("shape.yaml", text);
        auto r = run_with(file.string());
        CHECK(r.exit_code == 2);
        CHECK_MESSAGE(contains(r.err, "--target " + file.string() + ": " + pointer), r.err);
        CHECK_FALSE(contains(r.err, "type_error"));
    }
    CHECK_FALSE(fs::exists(in.marker));
    CHECK(run_with(good.string()).exit_code == 0);
}

TEST_CASE("one run per cluster: a second run against a cluster being drilled is refused, naming the run") {
    Inputs in;
    auto target =
        in.write("target.yaml", "scope: demo\nmembers:\n  - {name: db1, rest_url: 'http://127.0.0.1:1'}\n");
    std::vector<std::string> args = {"--state-dir",
                                     in.state.string(),
                                     "--load",
                                     examples,
                                     "run",
                                     "--target",
                                     target.string(),
                                     "org.drillhost.example.marker",
                                     "-p",
                                     "hold_ms=60000",
                                     "-p",
                                     "path=" + in.marker.string()};
    DrillhostProcess first(args, in.dir.path());
    REQUIRE(eventually([&] { return fs::exists(in.marker); }));
    fs::path other_marker = in.dir.path() / "second.marker";
    auto second = in.drillhost({"--load", examples, "run", "--target", target.string(),
                                "org.drillhost.example.marker", "-p", "path=" + other_marker.string()});
    CHECK(second.exit_code == 2);
    CHECK_MESSAGE(contains(second.err, "this cluster is being drilled by run "), second.err);
    CHECK_MESSAGE(contains(second.err, "(pid " + std::to_string(first.pid()) + ")"), second.err);
    CHECK_FALSE(fs::exists(other_marker));
    // --target none drills nothing shared: it is not held up.
    CHECK(in.drillhost(in.marker_run({"-p", "path=" + other_marker.string(), "-p", "hold_ms=0"})).exit_code ==
          0);

    first.send(SIGINT);
    first.wait(std::chrono::seconds(30));
    auto third =
        in.drillhost({"--load", examples, "run", "--target", target.string(), "org.drillhost.example.marker",
                      "-p", "path=" + other_marker.string(), "-p", "hold_ms=0"});
    CHECK_MESSAGE(third.exit_code == 0, third.err);
    CHECK(in.files_under("locks") == 0);  // the lock file went with its run

    // kill -9 runs no destructor: the lock is free (the kernel dropped it) but its file stays until
    // the next run of that cluster or `recover`.
    DrillhostProcess killed(args, in.dir.path());
    REQUIRE(eventually([&] { return fs::exists(in.marker); }));
    killed.send(SIGKILL);
    killed.wait();
    CHECK(in.files_under("locks") == 1);
    auto recovered = in.drillhost({"--load", examples, "recover"});
    CHECK_MESSAGE(recovered.exit_code == 0, recovered.err);
    CHECK_FALSE(fs::exists(in.marker));
    CHECK(in.files_under("locks") == 0);
}

TEST_CASE("secrets in the target never reach stdout, stderr, the journal or the report") {
    Inputs in;
    const std::vector<std::string> secrets = {"RestPw0rd", "PgPassw0rd", "ReplPw0rd", "SshPhrase0"};
    auto target = in.write("target.yaml",
                           "scope: demo\n"
                           "restapi: {username: patroni, password: RestPw0rd}\n"
                           "credentials: {superuser: postgres, superuser_password: PgPassw0rd}\n"
                           "members:\n"
                           "  - name: db1\n"
                           "    rest_url: 'http://patroni:RestPw0rd@127.0.0.1:1'\n"
                           "    conninfo: 'host=127.0.0.1 port=1 user=postgres password=PgPassw0rd'\n"
                           "  - name: db2\n"
                           "    rest_url: 'http://replicator:ReplPw0rd@127.0.0.2:1'\n"
                           "ssh: {user: root, key_passphrase: SshPhrase0}\n");
    fs::path journal = in.dir.path() / "journal.jsonl";
    fs::path report = in.dir.path() / "report.json";
    auto probe = in.drillhost(
        {"--load", PLUGINS_DIR, "probe", "patroni-rest", "cluster", "--target", target.string()});
    auto run = in.drillhost({"--load", PLUGINS_DIR, "run", "--target", target.string(), "--journal",
                             journal.string(), "--report", report.string(), "--timeout", "60",
                             "org.drillhost.drill.cluster-status"});
    std::string everything =
        probe.out + probe.err + run.out + run.err + file_text(journal) + file_text(report);
    for (const auto &f : fs::recursive_directory_iterator(in.state / "runs"))
        everything += file_text(f.path());
    REQUIRE_MESSAGE(contains(everything, "127.0.0.1"), everything);  // the outputs do talk about the members
    for (const auto &secret : secrets)
        CHECK_MESSAGE(!contains(everything, secret), secret << " leaked:\n" << everything);
    struct stat st {};
    REQUIRE(::stat(journal.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("target import: a Pigsty inventory to a 0600 file, and bad input named with exit 2") {
    Inputs in;
    const std::string inventory = std::string(INVENTORY_DIR) + "/pigsty-ha.yml";
    fs::path out = in.dir.path() / "pg-test.yml";
    auto r =
        in.drillhost({"target", "import", "--pigsty", inventory, "--cluster", "pg-test", "-o", out.string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(contains(r.err, "3 member(s) of pg-test"));
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);  // it holds passwords
    std::ifstream written(out);
    std::string text((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
    CHECK(contains(text, "name: \"pg-test-3\""));
    auto as_json =
        in.drillhost({"--format", "json", "target", "import", "--pigsty", inventory, "--cluster", "pg-test"});
    REQUIRE(as_json.exit_code == 0);
    CHECK(json::parse(as_json.out)["members"][2]["rest_url"] == "https://10.10.10.13:8008");

    auto unknown = in.drillhost({"target", "import", "--pigsty", inventory, "--cluster", "pg-prod"});
    CHECK(unknown.exit_code == 2);
    CHECK(contains(unknown.err, "no cluster \"pg-prod\" under all.children (clusters: pg-meta, pg-test)"));
    auto no_cluster = in.drillhost({"target", "import", "--pigsty", inventory});
    CHECK(no_cluster.exit_code == 2);
    CHECK(contains(no_cluster.err, "--cluster NAME"));
    auto missing = in.drillhost(
        {"target", "import", "--pigsty", (in.dir.path() / "none.yml").string(), "--cluster", "x"});
    CHECK(missing.exit_code == 2);
    CHECK(contains(missing.err, "none.yml"));
    auto partial = in.drillhost({"target", "import", "--pigsty",
                                 std::string(INVENTORY_DIR) + "/pigsty-partial.yml", "--cluster", "pg-test"});
    CHECK(partial.exit_code == 2);
    CHECK(contains(partial.err, "all.children.pg-test.hosts.10.10.10.12.pg_seq is missing"));
    CHECK_FALSE(contains(partial.out + partial.err, "Patroni.API"));

    // patroni.yml names the node's own TLS files: the import says which are not on this machine.
    auto nodes = in.drillhost({"target", "import", "--patroni-yml",
                               std::string(INVENTORY_DIR) + "/patroni-pg-test-1.yml", "-o",
                               (in.dir.path() / "from-patroni.yml").string()});
    REQUIRE_MESSAGE(nodes.exit_code == 0, nodes.err);
    CHECK_MESSAGE(contains(nodes.err,
                           "notice: dcs_tls.key names /pg/cert/server.key, a node's file that is not "
                           "on this machine"),
                  nodes.err);
}
