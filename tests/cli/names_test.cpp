// Issue 16: one spelling per drill, and the old ids and short names as aliases, so ledgers and
// scripts that name them still work; a name that fits two components is refused, never guessed.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"
#include "test_text.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string operations = std::string(FIXTURE_DIR) + "/operations_plugin.so";
const std::string examples = std::string(EXAMPLES_DIR) + "/*.so";
const std::string node_lost = std::string(PLUGINS_DIR) + "/primary-down-node-lost.so";

}  // namespace

TEST_CASE("a renamed drill is described by its new id, its old id and its old short name") {
    TempDir dir;
    for (const std::string name : {"org.drillhost.drill.primary-down-node-lost", "primary-down-node-lost",
                                   "org.drillhost.drill.primary-down.node-lost", "primary-down/node-lost"}) {
        CAPTURE(name);
        auto r = run_drillhost({"--load", node_lost, "--format", "json", "describe", name}, dir.path());
        REQUIRE(r.exit_code == 0);
        json d = json::parse(r.out);
        CHECK(d["id"] == "org.drillhost.drill.primary-down-node-lost");
        CHECK(d["name"] == "primary-down-node-lost");
        CHECK(d["aliases"] ==
              json::array({"org.drillhost.drill.primary-down.node-lost", "primary-down/node-lost"}));
    }
    auto text = run_drillhost({"--load", node_lost, "describe", "primary-down/node-lost"}, dir.path());
    CHECK(contains(text.out,
                   "also known as: org.drillhost.drill.primary-down.node-lost primary-down/node-lost"));
}

TEST_CASE("run takes an old id or short name for the drill and for its --param prefix") {
    TempDir dir;
    fs::path marker = dir.path() / "made.marker";
    auto r = run_drillhost({"--state-dir", (dir.path() / "state").string(), "--load", operations, "--format",
                            "json", "run", "--target", "none", "old/make-marker", "-p",
                            "org.drillhost.test.old.make-marker:path=" + marker.string()},
                           dir.path());
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "\"drill\": \"org.drillhost.test.make-marker\""));
    CHECK_FALSE(fs::exists(marker));  // the act's undo ran at the drill's end
}

TEST_CASE("describe and run refuse a name that fits two components, naming both") {
    TempDir dir;
    std::vector<std::string> both = {
        "--state-dir", (dir.path() / "state").string(), "--load", operations, "--load", examples};
    auto args = [&](std::vector<std::string> rest) {
        rest.insert(rest.begin(), both.begin(), both.end());
        return rest;
    };
    auto described = run_drillhost(args({"describe", "marker"}), dir.path());
    CHECK(described.exit_code == 2);
    CHECK(contains(described.err,
                   "'marker' is ambiguous: it names org.drillhost.example.marker, "
                   "org.drillhost.test.make-marker; give the full id"));
    auto ran = run_drillhost(args({"run", "--target", "none", "marker"}), dir.path());
    CHECK(ran.exit_code == 2);
    CHECK(contains(ran.err, "'marker' is ambiguous"));
    // A short name only one has still works for describe, whatever its kind.
    auto probe = run_drillhost(args({"describe", "file-exists"}), dir.path());
    CHECK(probe.exit_code == 0);
    CHECK(contains(probe.out, "org.drillhost.example.file-exists"));
}
