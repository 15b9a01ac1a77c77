#include <doctest/doctest.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/registry.hpp>

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "temp_dir.hpp"

using namespace drillhost;
namespace fs = std::filesystem;

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

// ---- Issue 13: hostile descriptors, foreign architectures, untrusted files, filtered loads ----

static std::string hostile(const std::string &name) {
    return std::string(FIXTURE_DIR) + "/hostile/hostile_" + name + ".so";
}

static const LoadProblem *problem_for(const LoadResult &result, const std::string &path) {
    for (const auto &problem : result.problems)
        if (problem.path == path) return &problem;
    return nullptr;
}

static bool loaded(const LoadResult &result, const std::string &path) {
    for (const auto &plugin : result.plugins)
        if (plugin.path == path) return true;
    return false;
}

TEST_CASE("a 60 000-byte component id is refused by its length, without a regex") {
    std::string message = refusal(hostile("long_id"));
    CHECK(contains(message, hostile("long_id")));
    CHECK_MESSAGE(contains(message, "component #0: its id is 60000 bytes, at most 255"), message);
    CHECK(message.size() < 1000);  // the id itself is not repeated
}

TEST_CASE("a parameter schema that refers to itself is refused, not recursed into") {
    std::string message = refusal(hostile("ref_root"));
    CHECK(contains(message, hostile("ref_root")));
    CHECK_MESSAGE(
        contains(message, "component 'org.drillhost.test.ref-root': its parameter schema is unusable: "),
        message);
    CHECK_MESSAGE(contains(message, "$ref \"#\""), message);
}

TEST_CASE("a $ref cycle through definitions is refused") {
    std::string message = refusal(hostile("ref_cycle"));
    CHECK_MESSAGE(contains(message, "org.drillhost.test.ref-cycle': its parameter schema is unusable: "),
                  message);
    CHECK_MESSAGE(contains(message, "#/definitions/"), message);
    CHECK_MESSAGE(contains(message, "recursive"), message);
}

TEST_CASE("a schema nested 10 000 deep is refused by the depth limit") {
    std::string message = refusal(hostile("deep_schema"));
    CHECK_MESSAGE(contains(message, "org.drillhost.test.deep-schema': its parameter schema is unusable: "),
                  message);
    CHECK_MESSAGE(contains(message, "deeper than 64"), message);
}

TEST_CASE("a schema pattern that is not a regular expression is refused at load, naming it") {
    std::string message = refusal(hostile("bad_pattern"));
    CHECK_MESSAGE(contains(message, "org.drillhost.test.bad-pattern': its parameter schema is unusable: "),
                  message);
    CHECK_MESSAGE(contains(message, "\"pg-[0-9\""), message);
    CHECK_MESSAGE(contains(message, "/properties/member/pattern"), message);
}

TEST_CASE("hostile plugins are refused one by one and the others in the same load still load") {
    std::vector<std::string> patterns = {std::string(FIXTURE_DIR) + "/hostile", example("example_c_hello"),
                                         fixture("duplicate_a")};
    auto result = load_plugins(patterns);
    for (auto name : {"long_id", "ref_root", "ref_cycle", "deep_schema", "bad_pattern", "mixed"}) {
        CAPTURE(name);
        CHECK(problem_for(result, hostile(name)) != nullptr);
    }
    CHECK(result.problems.size() == 6);
    CHECK(loaded(result, example("example_c_hello")));
    CHECK(loaded(result, fixture("duplicate_a")));
}

TEST_CASE("a filtered load reads only the wanted components, unwanted broken ones are ignored") {
    std::vector<size_t> asked;
    auto only_good = [&asked](std::string_view id, dh_kind) {
        asked.push_back(id.size());
        return id == "org.drillhost.test.mixed-good";
    };
    // Unfiltered, the plugin's broken components refuse it.
    CHECK(contains(refusal(hostile("mixed")), "org.drillhost.test.mixed-ref-root"));

    auto result =
        load_plugins({std::string(FIXTURE_DIR) + "/hostile", example("example_c_hello")}, only_good);
    // The other hostile plugins have no wanted component: skipped without a word, even the long id.
    CHECK(result.problems.empty());
    for (const auto &problem : result.problems) MESSAGE(problem.message);
    REQUIRE(result.plugins.size() == 1);
    CHECK(result.plugins[0].path == hostile("mixed"));
    REQUIRE(result.plugins[0].components.size() == 1);
    CHECK(result.plugins[0].components[0].id == "org.drillhost.test.mixed-good");
    CHECK(result.plugins[0].components[0].validator != nullptr);
    for (size_t size : asked) CHECK(size <= 255);  // the 60 000-byte id is never handed to the filter

    // A wanted component that is broken is still refused.
    auto broken = load_plugins({hostile("mixed")}, [](std::string_view id, dh_kind) {
        return id == "org.drillhost.test.mixed-ref-root";
    });
    REQUIRE(broken.problems.size() == 1);
    CHECK(contains(broken.problems[0].message, "its parameter schema is unusable"));
    CHECK(broken.plugins.empty());

    // The old signature still loads everything.
    CHECK(load_plugins({example("example_file_tools")}).plugins.at(0).components.size() == 2);
}

static std::string host_machine() {
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#else
    return "";
#endif
}

// A copy of a real plugin with its ELF header's e_machine (and optionally EI_CLASS) patched.
static void patch_elf(const fs::path &file, uint16_t machine, unsigned char elf_class = ELFCLASS64) {
    std::fstream elf(file, std::ios::in | std::ios::out | std::ios::binary);
    elf.seekp(EI_CLASS);
    elf.put(static_cast<char>(elf_class));
    elf.seekp(offsetof(Elf64_Ehdr, e_machine));
    elf.write(reinterpret_cast<const char *>(&machine),
              sizeof machine);  // host byte order: little-endian here
}

TEST_CASE("a plugin built for another architecture is refused naming both architectures") {
    REQUIRE_FALSE(host_machine().empty());
    bool aarch64_host = host_machine() == "aarch64";
    uint16_t foreign = aarch64_host ? EM_X86_64 : EM_AARCH64;
    std::string foreign_text = aarch64_host ? "x86_64 (ELF machine 62)" : "aarch64 (ELF machine 183)";
    TempDir dir;

    // A bare 64-byte header, as a cross-compiler would start its output.
    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_DYN;
    header.e_machine = foreign;
    header.e_version = EV_CURRENT;
    header.e_ehsize = sizeof header;
    std::ofstream(dir.path() / "bare.so", std::ios::binary)
        .write(reinterpret_cast<const char *>(&header), sizeof header);
    // A real plugin with only its machine changed.
    fs::copy_file(example("example_c_hello"), dir.path() / "patched.so");
    patch_elf(dir.path() / "patched.so", foreign);

    for (auto name : {"bare.so", "patched.so"}) {
        std::string path = (dir.path() / name).string();
        std::string message = refusal(path);
        CHECK(contains(message, path));
        CHECK_MESSAGE(contains(message, "built for " + foreign_text + ", this host is " + host_machine()),
                      message);
        CHECK_FALSE(contains(message, "No such file"));
    }

    // A 32-bit build for this very machine.
    fs::copy_file(example("example_c_hello"), dir.path() / "thirty_two.so");
    patch_elf(dir.path() / "thirty_two.so", aarch64_host ? EM_AARCH64 : EM_X86_64, ELFCLASS32);
    std::string message = refusal((dir.path() / "thirty_two.so").string());
    CHECK_MESSAGE(contains(message, "32-bit"), message);
}

TEST_CASE("an empty --load directory is reported") {
    TempDir dir;
    auto result = load_plugins({dir.path().string()});
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].message == dir.path().string() +
                                            ": no *.so plugin in this directory; check the path "
                                            "given to --load");
}

TEST_CASE("plugin files and directories others could write, or others own, are refused") {
    TempDir dir;
    fs::path plugins = dir.path() / "plugins";
    fs::create_directory(plugins);
    ::chmod(plugins.c_str(), 0755);
    fs::path plugin = plugins / "hello.so";
    fs::copy_file(example("example_c_hello"), plugin);
    ::chmod(plugin.c_str(), 0644);
    TempDir good_dir;
    fs::path good = good_dir.path() / "good.so";
    fs::copy_file(example("example_c_hello"), good);
    ::chmod(good.c_str(), 0644);
    CHECK(refusal(plugin.string()).empty());

    SUBCASE("a group-writable file") {
        ::chmod(plugin.c_str(), 0664);
        auto result = load_plugins({plugins.string(), good.string()});
        REQUIRE(result.problems.size() == 1);
        CHECK(result.problems[0].path == plugin.string());
        CHECK_MESSAGE(contains(result.problems[0].message, "writable by group or others (mode 0664"),
                      result.problems[0].message);
        CHECK(contains(result.problems[0].message, "chmod go-w " + plugin.string()));
        CHECK(loaded(result, good.string()));
    }
    SUBCASE("a group-writable directory, given to --load or holding the file") {
        ::chmod(plugins.c_str(), 0775);
        auto result = load_plugins({plugins.string(), plugin.string(), good.string()});
        REQUIRE(result.problems.size() == 2);
        for (const auto &problem : result.problems) {
            CHECK_MESSAGE(contains(problem.message, "plugin directory " + plugins.string() +
                                                        ": writable by group or others (mode 0775"),
                          problem.message);
        }
        CHECK(result.problems[1].path == plugin.string());
        CHECK(loaded(result, good.string()));
        CHECK(result.plugins.size() == 1);
    }
    SUBCASE("a world-writable sticky directory (like /tmp) holding the file") {
        ::chmod(plugins.c_str(), 01777);
        CHECK(contains(refusal(plugin.string()), "mode 1777"));
    }
    SUBCASE("a file owned by another user") {
        if (::geteuid() != 0) return;  // only root can give a file away
        REQUIRE(::chown(plugin.c_str(), 65534, 65534) == 0);
        std::string message = refusal(plugin.string());
        CHECK_MESSAGE(contains(message, "owned by someone else"), message);
    }
    SUBCASE("a symbolic link to a plugin") {
        fs::create_symlink(good, plugins / "link.so");
        std::string message = refusal((plugins / "link.so").string());
        CHECK_MESSAGE(contains(message, "symbolic link"), message);
        auto result = load_plugins({plugins.string()});
        CHECK(result.plugins.size() == 1);
        CHECK(result.problems.size() == 1);
    }
}

// ---- Issue 16: one name per drill, old names as aliases ----

namespace {

Component named(const std::string &id, const std::string &name, std::vector<std::string> aliases = {},
                dh_kind kind = DH_KIND_DRILL) {
    Component c;
    c.id = id;
    c.name = name;
    c.aliases = std::move(aliases);
    c.kind = kind;
    return c;
}

}  // namespace

TEST_CASE("the registry finds a component by id, short name or alias, and refuses to guess") {
    Registry registry;
    std::vector<LoadProblem> problems;
    LoadedPlugin plugin;
    plugin.path = "/p/drills.so";
    plugin.components = {
        named("org.example.node-lost", "node-lost", {"org.example.old.node-lost", "old/node-lost"}),
        named("org.example.switchover", "switchover"),
        named("org.example.third-party", "third-party", {"switchover"}),
        named("org.example.partition", "partition", {}, DH_KIND_INJECTOR),
        named("org.example.net-partition", "net-partition", {"partition"})};
    registry.add(plugin, problems);
    REQUIRE(problems.empty());
    CHECK(registry.resolve("org.example.node-lost", DH_KIND_DRILL) == "org.example.node-lost");
    CHECK(registry.resolve("node-lost", DH_KIND_DRILL) == "org.example.node-lost");
    CHECK(registry.resolve("org.example.old.node-lost", DH_KIND_DRILL) == "org.example.node-lost");
    CHECK(registry.resolve("old/node-lost", 0) == "org.example.node-lost");
    CHECK(registry.require("old/node-lost", DH_KIND_DRILL).id == "org.example.node-lost");
    CHECK(registry.resolve("no-such", DH_KIND_DRILL) == "no-such");  // require() says what is loaded
    // A short name that is another's alias names two: refused with both, never guessed.
    CHECK_THROWS_WITH_AS(registry.resolve("switchover", DH_KIND_DRILL),
                         doctest::Contains("'switchover' is ambiguous: it names org.example.switchover, "
                                           "org.example.third-party"),
                         UsageError);
    // Of one kind it is one; of any kind, two.
    CHECK(registry.resolve("partition", DH_KIND_INJECTOR) == "org.example.partition");
    CHECK(registry.resolve("partition", DH_KIND_DRILL) == "org.example.net-partition");
    CHECK_THROWS_WITH_AS(registry.resolve("partition", 0), doctest::Contains("ambiguous"), UsageError);
}

TEST_CASE("an alias that is another component's id is reported at load: the id wins") {
    Registry registry;
    std::vector<LoadProblem> problems;
    LoadedPlugin first, second;
    first.path = "/p/first.so";
    first.components = {named("org.example.renamed", "renamed", {"org.example.other"})};
    second.path = "/p/second.so";
    second.components = {named("org.example.other", "other")};
    registry.add(first, problems);
    CHECK(problems.empty());
    registry.add(second, problems);
    REQUIRE(problems.size() == 1);
    CHECK(contains(problems[0].message, "alias 'org.example.other' of org.example.renamed"));
    CHECK(contains(problems[0].message, "the id wins"));
    CHECK(registry.resolve("org.example.other", DH_KIND_DRILL) == "org.example.other");
}
