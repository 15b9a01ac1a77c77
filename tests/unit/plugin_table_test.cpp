// check_plugin_table: the loader's checks on an entry table built in memory, as the loader fuzzer
// (tests/fuzz/fuzz_plugin_table.cpp) builds them. Each table is cut to the size it declares, so a
// read past it is an AddressSanitizer report in the sanitizer build (scripts/sanitize.sh).
#include <doctest/doctest.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/loader.hpp>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_text.hpp"

using namespace drillhost;

namespace {

dh_instance *fake_create(const dh_host *) {
    return nullptr;
}
void fake_destroy(dh_instance *) {}
const char *fake_last_error(dh_instance *) {
    return "";
}
dh_status fake_run(dh_instance *, const dh_host *, const char *) {
    return DH_OK;
}

// Copies of tables, each exactly as long as it says it is.
struct Tables {
    std::vector<std::unique_ptr<char[]>> blocks;
    template <class Table>
    const Table *cut(Table full, size_t declared) {
        full.struct_size = static_cast<uint32_t>(declared);
        size_t bytes = std::max(sizeof full.struct_size, std::min(declared, sizeof full));
        auto &block = blocks.emplace_back(new char[bytes]);
        std::memcpy(block.get(), &full, bytes);
        return reinterpret_cast<const Table *>(block.get());
    }
};

dh_descriptor drill_descriptor(const char *id) {
    dh_descriptor d{};
    d.kind = DH_KIND_DRILL;
    d.id = id;
    d.name = "drill";
    d.version = "1.0.0";
    d.summary = "a drill";
    d.params_schema = R"({"type":"object"})";
    d.impact = DH_IMPACT_PLANNED;
    return d;
}

dh_component drill_component(const dh_descriptor *descriptor) {
    dh_component c{};
    c.descriptor = descriptor;
    c.create = fake_create;
    c.destroy = fake_destroy;
    c.last_error = fake_last_error;
    c.run = fake_run;
    return c;
}

dh_plugin plugin_of(const dh_component *const *components, uint32_t count) {
    dh_plugin p{};
    p.abi_major = DH_ABI_VERSION_MAJOR;
    p.abi_minor = DH_ABI_VERSION_MINOR;
    p.name = "tables";
    p.version = "1.0.0";
    p.component_count = count;
    p.components = components;
    return p;
}

std::string refusal(const dh_plugin *plugin, const ComponentFilter &wanted = {}) {
    try {
        check_plugin_table("/p/tables.so", plugin, wanted);
        return "";
    } catch (const InfraError &e) {
        return e.what();
    }
}

}  // namespace

TEST_CASE("check_plugin_table accepts a whole table and reads the impact its descriptor covers") {
    Tables t;
    const dh_component *components[] = {
        t.cut(drill_component(t.cut(drill_descriptor("org.example.a"), sizeof(dh_descriptor))),
              sizeof(dh_component)),
        t.cut(drill_component(t.cut(drill_descriptor("org.example.b"), offsetof(dh_descriptor, impact))),
              sizeof(dh_component))};
    auto plugin = t.cut(plugin_of(components, 2), sizeof(dh_plugin));
    auto loaded = check_plugin_table("/p/tables.so", plugin);
    REQUIRE(loaded.components.size() == 2);
    CHECK(loaded.name == "tables");
    CHECK(loaded.components[0].impact == DH_IMPACT_PLANNED);
    CHECK(loaded.components[1].impact == DH_IMPACT_UNKNOWN);  // ABI 1.1 descriptor: not read
}

TEST_CASE("check_plugin_table refuses NULL, short and empty tables, naming the file") {
    Tables t;
    CHECK(refusal(nullptr) == "/p/tables.so: drillhost_plugin_entry() returned NULL");
    const dh_component *components[] = {nullptr};
    CHECK(refusal(t.cut(plugin_of(components, 1), sizeof(uint32_t))).find("too small to hold a version") !=
          std::string::npos);
    CHECK(refusal(t.cut(plugin_of(components, 0), sizeof(dh_plugin))) ==
          "/p/tables.so: declares no components");
    CHECK(refusal(t.cut(plugin_of(components, 1), sizeof(dh_plugin))) ==
          "/p/tables.so: component #0 is NULL");
    const dh_component *short_table[] = {
        t.cut(drill_component(t.cut(drill_descriptor("org.example.a"), sizeof(dh_descriptor))), 8)};
    CHECK(refusal(t.cut(plugin_of(short_table, 1), sizeof(dh_plugin))) ==
          "/p/tables.so: component #0: component table too small");
}

TEST_CASE("check_plugin_table with a filter skips what it does not want, unreadable ids included") {
    Tables t;
    const dh_component *components[] = {
        nullptr, t.cut(drill_component(t.cut(drill_descriptor("org.example.a"), sizeof(dh_descriptor))),
                       sizeof(dh_component))};
    auto plugin = t.cut(plugin_of(components, 2), sizeof(dh_plugin));
    CHECK(check_plugin_table("/p/tables.so", plugin, [](std::string_view, dh_kind) {
              return true;
          }).components.size() == 1);
    CHECK(check_plugin_table("/p/tables.so", plugin, [](std::string_view, dh_kind kind) {
              return kind == DH_KIND_PROBE;
          }).components.empty());
}

// ---- ABI 1.3: declared operations ----

namespace {

dh_status fake_invoke(dh_instance *, const dh_host *, const char *, const char *, const char **) {
    return DH_OK;
}

dh_operation operation(const char *name, dh_effect effect, const char *undo = nullptr) {
    return {sizeof(dh_operation),   name, effect, "an operation", R"({"type":"object"})",
            R"({"type":"object"})", undo};
}

// A probe declaring `ops` (copied into `t`), with a table of `size` bytes.
const dh_plugin *probe_plugin(Tables &t, std::vector<dh_operation> ops, size_t size = sizeof(dh_component)) {
    static std::vector<std::vector<const dh_operation *>> pointer_lists;
    auto &pointers = pointer_lists.emplace_back();
    for (const auto &op : ops) pointers.push_back(t.cut(op, sizeof(dh_operation)));
    dh_descriptor d = drill_descriptor("org.example.probe");
    d.kind = DH_KIND_PROBE;
    dh_component c = drill_component(t.cut(d, sizeof(dh_descriptor)));
    c.run = nullptr;
    c.operation_count = static_cast<uint32_t>(pointers.size());
    c.operations = pointers.data();
    c.invoke = fake_invoke;
    static std::vector<std::vector<const dh_component *>> component_lists;
    auto &components = component_lists.emplace_back(1, t.cut(c, size));
    return t.cut(plugin_of(components.data(), 1), sizeof(dh_plugin));
}

}  // namespace

TEST_CASE("check_plugin_table reads declared operations, effects and undos") {
    Tables t;
    auto loaded = check_plugin_table(
        "/p/tables.so",
        probe_plugin(t, {operation("look", DH_EFFECT_OBSERVE), operation("make", DH_EFFECT_ACT, "unmake"),
                         operation("unmake", DH_EFFECT_ACT)}));
    REQUIRE(loaded.components.size() == 1);
    const auto &ops = loaded.components[0].operations;
    REQUIRE(ops.size() == 3);
    CHECK(ops[0].effect == DH_EFFECT_OBSERVE);
    CHECK(ops[1].undo == "unmake");
    CHECK(ops[2].is_undo);
    CHECK_FALSE(ops[0].is_undo);
}

TEST_CASE("check_plugin_table refuses operations that are not what they say") {
    Tables t;
    CHECK(contains(refusal(probe_plugin(t, {operation("f", DH_EFFECT_FAULT)})),
                   "effect fault is an injector's"));
    CHECK(contains(refusal(probe_plugin(t, {operation("x", 9)})), "unknown effect 9"));
    CHECK(contains(refusal(probe_plugin(t, {operation("Bad-Name", DH_EFFECT_OBSERVE)})), "lower case"));
    CHECK(
        contains(refusal(probe_plugin(t, {operation("a", DH_EFFECT_OBSERVE), operation("a", DH_EFFECT_ACT)})),
                 "declared twice"));
    CHECK(contains(refusal(probe_plugin(t, {operation("look", DH_EFFECT_OBSERVE, "other"),
                                            operation("other", DH_EFFECT_ACT)})),
                   "only an act declares an undo"));
    CHECK(contains(refusal(probe_plugin(t, {operation("make", DH_EFFECT_ACT, "gone")})),
                   "its undo 'gone' is not one of its operations"));
    CHECK(contains(refusal(probe_plugin(
                       t, {operation("make", DH_EFFECT_ACT, "look"), operation("look", DH_EFFECT_OBSERVE)})),
                   "must be an act"));
    dh_operation bad_schema = operation("look", DH_EFFECT_OBSERVE);
    bad_schema.result_schema = "{not json";
    CHECK(contains(refusal(probe_plugin(t, {bad_schema})),
                   "operation 'look': its result schema is not valid JSON"));
}

TEST_CASE("a probe table of ABI 1.2's size is one operation \"sample\", read without touching 1.3 fields") {
    Tables t;
    dh_descriptor d = drill_descriptor("org.example.old-probe");
    d.kind = DH_KIND_PROBE;
    dh_component c = drill_component(t.cut(d, sizeof(dh_descriptor)));
    c.run = nullptr;
    c.sample = [](dh_instance *, const dh_host *, const char *, const char **) -> dh_status { return DH_OK; };
    const dh_component *components[] = {t.cut(c, offsetof(dh_component, operation_count))};
    auto loaded = check_plugin_table("/p/tables.so", t.cut(plugin_of(components, 1), sizeof(dh_plugin)));
    REQUIRE(loaded.components.size() == 1);
    REQUIRE(loaded.components[0].operations.size() == 1);
    CHECK(loaded.components[0].operations[0].name == "sample");
    CHECK(loaded.components[0].operations[0].effect == DH_EFFECT_ACT);
}

TEST_CASE("an operation's summary that is not UTF-8 is kept readable, as describe prints it") {
    Tables t;
    dh_operation op = operation("look", DH_EFFECT_OBSERVE);
    op.summary = "looks \xff\xfe here";
    auto loaded = check_plugin_table("/p/tables.so", probe_plugin(t, {op}));
    REQUIRE(loaded.components.at(0).operations.size() == 1);
    std::string summary = loaded.components[0].operations[0].summary;
    CHECK(summary.find('\xff') == std::string::npos);
    CHECK(summary.find("looks ") == 0);
    CHECK_NOTHROW((void)nlohmann::json(summary).dump());
}

// ---- Issue 16: aliases (ABI 1.4) ----

TEST_CASE("a drill's aliases are read when its descriptor covers them, and checked") {
    Tables t;
    dh_descriptor renamed = drill_descriptor("org.example.new-name");
    renamed.aliases_json = R"(["org.example.old.name", "old/name"])";
    dh_descriptor older = drill_descriptor("org.example.older");
    older.aliases_json = "not even JSON";  // past an ABI 1.3 descriptor's end: never read
    const dh_component *components[] = {
        t.cut(drill_component(t.cut(renamed, sizeof(dh_descriptor))), sizeof(dh_component)),
        t.cut(drill_component(t.cut(older, offsetof(dh_descriptor, aliases_json))), sizeof(dh_component))};
    auto loaded = check_plugin_table("/p/tables.so", t.cut(plugin_of(components, 2), sizeof(dh_plugin)));
    REQUIRE(loaded.components.size() == 2);
    CHECK(loaded.components[0].aliases == std::vector<std::string>{"org.example.old.name", "old/name"});
    CHECK(loaded.components[1].aliases.empty());

    for (const char *bad : {R"({"a": 1})", R"(["ok", 3])", R"(["Upper"])", R"(["has space"])", R"([""])",
                            R"(["twice", "twice"])", R"(["org.example.bad"])", R"(["drill"])"}) {
        CAPTURE(bad);
        dh_descriptor d = drill_descriptor("org.example.bad");
        d.aliases_json = bad;
        const dh_component *one[] = {
            t.cut(drill_component(t.cut(d, sizeof(dh_descriptor))), sizeof(dh_component))};
        std::string why = refusal(t.cut(plugin_of(one, 1), sizeof(dh_plugin)));
        CHECK(contains(why, "/p/tables.so"));
        CHECK(contains(why, "alias"));
    }
}
