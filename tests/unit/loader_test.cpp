#include <doctest/doctest.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/registry.hpp>

#include <string>

using namespace drillhost;

static std::string fixture(const std::string &name) {
    return std::string(FIXTURE_DIR) + "/" + name + ".so";
}
static std::string example(const std::string &name) {
    return std::string(EXAMPLES_DIR) + "/" + name + ".so";
}

// The message load_plugin gives for `path`, or "" when it loads.
static std::string refusal(const std::string &path) {
    try {
        load_plugin(path);
        return "";
    } catch (const InfraError &e) {
        return e.what();
    }
}

static bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

TEST_CASE("the examples load, with every component described") {
    auto plugin = load_plugin(example("example_file_tools"));
    REQUIRE(plugin.components.size() == 2);
    CHECK(plugin.components[0].id == "org.drillhost.example.file");
    CHECK(plugin.components[0].kind == DH_KIND_INJECTOR);
    CHECK(plugin.components[1].kind == DH_KIND_PROBE);
    CHECK(plugin.abi_major == DH_ABI_VERSION_MAJOR);
    CHECK(load_plugin(example("example_c_hello")).components.at(0).kind == DH_KIND_DRILL);
}

TEST_CASE("each broken plugin gets a clear error naming the file") {
    struct Case {
        const char *fixture;
        std::vector<std::string> says;
    };
    std::string abi = std::to_string(DH_ABI_VERSION_MAJOR) + "." + std::to_string(DH_ABI_VERSION_MINOR);
    std::string next_major =
        std::to_string(DH_ABI_VERSION_MAJOR + 1) + "." + std::to_string(DH_ABI_VERSION_MINOR);
    std::string newer_minor =
        std::to_string(DH_ABI_VERSION_MAJOR) + "." + std::to_string(DH_ABI_VERSION_MINOR + 1);
    const Case cases[] = {
        {"no_entry", {"no entry symbol 'drillhost_plugin_entry'"}},
        {"abi_major_next",
         {"built for plugin ABI " + next_major, "this host implements ABI " + abi, "major"}},
        {"abi_minor_newer", {"built for plugin ABI " + newer_minor, "newer than this host's ABI " + abi}},
        {"schema_not_json", {"org.drillhost.test.schema-not-json", "schema is not valid JSON"}},
        {"schema_invalid", {"org.drillhost.test.schema-invalid", "schema is unusable"}},
        {"half_injector", {"org.drillhost.test.half-injector", "must implement inject and revert"}},
        {"not_elf", {"cannot load it as a shared library", "invalid ELF header"}},
    };
    for (const auto &c : cases) {
        CAPTURE(c.fixture);
        std::string message = refusal(fixture(c.fixture));
        CHECK(contains(message, fixture(c.fixture)));
        for (const auto &part : c.says) CHECK_MESSAGE(contains(message, part), message);
    }
}

TEST_CASE("loading goes on past broken plugins") {
    auto result = load_plugins({std::string(FIXTURE_DIR) + "/*.so", example("example_file_tools")});
    CHECK(result.problems.size() >= 7);
    bool file_tools_loaded = false;
    for (const auto &p : result.plugins) file_tools_loaded |= contains(p.path, "example_file_tools");
    CHECK(file_tools_loaded);
}

TEST_CASE("a pattern that matches nothing is reported") {
    auto result = load_plugins({"/nonexistent/drillhost/*.so"});
    REQUIRE(result.problems.size() == 1);
    CHECK(contains(result.problems[0].message, "no plugin file matches"));
}

TEST_CASE("two components with one id: an error naming both files") {
    auto result = load_plugins({fixture("duplicate_a"), fixture("duplicate_b")});
    REQUIRE(result.problems.empty());
    Registry registry;
    std::vector<LoadProblem> problems;
    registry.add(result, problems);
    REQUIRE(problems.size() == 1);
    CHECK(contains(problems[0].message, "org.drillhost.test.duplicate"));
    CHECK(contains(problems[0].message, fixture("duplicate_a")));
    CHECK(contains(problems[0].message, fixture("duplicate_b")));
    CHECK(registry.find("org.drillhost.test.duplicate")->plugin_path == fixture("duplicate_a"));
}

TEST_CASE("a drill's impact is read only when its descriptor is big enough to hold it (ABI 1.2)") {
    auto current = load_plugins({fixture("duplicate_a")});
    REQUIRE(current.plugins.size() == 1);
    CHECK(current.plugins[0].components.at(0).impact == DH_IMPACT_READ_ONLY);
    // An ABI 1.1 descriptor ends before `impact`: whatever follows it in memory is not read.
    auto older = load_plugins({fixture("abi_1_1_descriptor")});
    REQUIRE(older.problems.empty());
    REQUIRE(older.plugins.size() == 1);
    CHECK(older.plugins[0].components.at(0).impact == DH_IMPACT_UNKNOWN);
}

TEST_CASE("the registry says what is loaded when an id is unknown or of the wrong kind") {
    Registry registry;
    std::vector<LoadProblem> problems;
    registry.add(load_plugins({example("example_file_tools")}), problems);
    CHECK_THROWS_WITH_AS(registry.require("org.nope", DH_KIND_PROBE),
                         doctest::Contains("org.drillhost.example.file-exists"), UsageError);
    CHECK_THROWS_WITH_AS(registry.require("org.drillhost.example.file", DH_KIND_DRILL),
                         doctest::Contains("is of kind injector, not drill"), UsageError);
}
