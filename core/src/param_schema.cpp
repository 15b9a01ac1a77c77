#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/param_schema.hpp>

#include <algorithm>
#include <regex>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <vector>

namespace drillhost {
namespace {

using json = nlohmann::json;
using pointer = json::json_pointer;

// Longest chain of schemas inside schemas, counting each $ref followed: valijson recurses this deep.
constexpr size_t max_schema_nesting = 128;

[[noreturn]] void unusable(const std::string &why) {
    throw std::invalid_argument(why);
}

// A value from the schema as JSON text, cut short when long: safe to print, whatever its bytes.
std::string shown_text(std::string_view text) {
    constexpr size_t shown = 80;
    std::string cut(text.substr(0, std::min(text.size(), shown)));
    return dump_json(json(cut)) + (text.size() > shown ? "..." : "");
}

std::string where(const pointer &path) {
    std::string text = path.to_string();
    return text.empty() ? "/" : text;
}

// Recursion capped at max_json_depth + 1 frames, whatever the document.
void check_depth(const json &value, int depth) {
    if (depth > max_json_depth)
        unusable("the schema is JSON nested deeper than " + std::to_string(max_json_depth) + " levels");
    if (value.is_structured())
        for (const auto &child : value) check_depth(child, depth + 1);
}

// Compiled as valijson compiles "pattern" and "patternProperties" at validation time (std::regex,
// ECMAScript), so that a bad one is found now and not in the middle of a drill.
void check_pattern(const std::string &pattern, const pointer &at) {
    if (pattern.size() > max_schema_pattern_bytes)
        unusable("pattern " + shown_text(pattern) + " at " + where(at) + " is " +
                 std::to_string(pattern.size()) + " bytes, at most " +
                 std::to_string(max_schema_pattern_bytes));
    try {
        std::regex compiled(pattern, std::regex::ECMAScript);
    } catch (const std::exception &e) {
        unusable("pattern " + shown_text(pattern) + " at " + where(at) +
                 " is not a valid regular expression (ECMAScript): " + e.what());
    }
}

// An edge from one schema to another: a subschema under a keyword, or a $ref's target.
struct Edge {
    pointer to;
    const json *node;
    std::string ref;  // the $ref text for a reference, empty for a subschema
    pointer from;     // where the $ref is
};

// The schemas valijson visits from `node` (draft 7 keywords), and its own patterns checked.
std::vector<Edge> visit(const json &document, const json &node, const pointer &path) {
    std::vector<Edge> edges;
    if (!node.is_object()) return edges;
    auto subschema = [&](const json &child, const pointer &child_path) {
        if (child.is_object() || child.is_boolean()) edges.push_back({child_path, &child, "", pointer()});
    };
    for (const char *keyword : {"additionalItems", "additionalProperties", "contains", "else", "if", "not",
                                "propertyNames", "then"})
        if (auto it = node.find(keyword); it != node.end()) subschema(*it, path / keyword);
    for (const char *keyword : {"items", "allOf", "anyOf", "oneOf"}) {
        auto it = node.find(keyword);
        if (it == node.end()) continue;
        if (it->is_array())
            for (size_t i = 0; i < it->size(); ++i) subschema((*it)[i], path / keyword / i);
        else
            subschema(*it, path / keyword);
    }
    for (const char *keyword : {"definitions", "properties", "patternProperties", "dependencies"}) {
        auto it = node.find(keyword);
        if (it == node.end() || !it->is_object()) continue;
        for (const auto &[key, child] : it->items()) subschema(child, path / keyword / key);
    }

    if (auto it = node.find("pattern"); it != node.end() && it->is_string())
        check_pattern(it->get<std::string>(), path / "pattern");
    if (auto it = node.find("patternProperties"); it != node.end() && it->is_object())
        for (const auto &[key, child] : it->items()) check_pattern(key, path / "patternProperties");

    auto ref = node.find("$ref");
    if (ref == node.end()) return edges;
    if (!ref->is_string()) unusable(where(path) + ": $ref must be a string, got " + dump_json(*ref));
    const std::string text = ref->get<std::string>();
    const std::string named = "$ref " + shown_text(text) + " at " + where(path);
    // Only "#" and "#/json/pointer": no other documents (nothing is fetched), no anchors, no
    // percent-encoding (valijson would decode it, and find another schema than this check).
    if (text.empty() || text[0] != '#' || (text.size() > 1 && text[1] != '/'))
        unusable(named + ": only references inside the schema (\"#/definitions/...\") are allowed");
    if (text.find('%') != std::string::npos)
        unusable(named + ": percent-encoded references are not supported; name the definition plainly");
    pointer target;
    try {
        target = pointer(text.substr(1));
        if (!document.contains(target)) unusable(named + ": it points at nothing in the schema");
        edges.push_back({target, &document.at(target), text, path});
    } catch (const json::exception &e) {
        unusable(named + ": it points at nothing in the schema (" + e.what() + ")");
    }
    return edges;
}

// Walks every schema valijson would, following $refs, without recursion: refuses a $ref that leads
// back to a schema on the way to it (itself, an ancestor, or a cycle through other refs), and
// nesting deeper than max_schema_nesting.
void check_references(const json &document) {
    struct Frame {
        std::string id;
        std::vector<Edge> edges;
        size_t next = 0;
        size_t height = 1;
        const Edge *entered_by = nullptr;
    };
    enum class State { open, done };
    std::unordered_map<std::string, State> state;
    std::unordered_map<std::string, size_t> heights;
    auto too_deep = [] {
        unusable("schemas nest more than " + std::to_string(max_schema_nesting) +
                 " levels deep (counting each $ref followed)");
    };

    std::vector<Frame> stack;
    stack.push_back({"", visit(document, document, pointer()), 0, 1, nullptr});
    state[""] = State::open;
    while (!stack.empty()) {
        size_t top = stack.size() - 1;
        if (stack[top].next < stack[top].edges.size()) {
            const Edge &edge = stack[top].edges[stack[top].next++];
            std::string id = edge.to.to_string();
            auto found = state.find(id);
            if (found != state.end() && found->second == State::done) {
                stack[top].height = std::max(stack[top].height, 1 + heights[id]);
                continue;
            }
            if (found != state.end()) {
                // A cycle: name the latest $ref on it.
                const Edge *ref = edge.ref.empty() ? nullptr : &edge;
                for (size_t i = top + 1; ref == nullptr && i-- > 0 && stack[i].id != id;)
                    if (stack[i].entered_by && !stack[i].entered_by->ref.empty()) ref = stack[i].entered_by;
                std::string named = ref ? "$ref " + shown_text(ref->ref) + " at " + where(ref->from) +
                                              " refers back to " + where(ref->to)
                                        : "a subschema refers back to " + where(edge.to);
                unusable(named +
                         " (the schema itself, or one that leads to it directly or through other $refs): a "
                         "parameter schema may not be recursive; spell the nested schema out");
            }
            if (stack.size() >= max_schema_nesting) too_deep();
            state[id] = State::open;
            stack.push_back({id, visit(document, *edge.node, edge.to), 0, 1, &edge});
            continue;
        }
        Frame done = std::move(stack.back());
        stack.pop_back();
        if (done.height > max_schema_nesting) too_deep();
        state[done.id] = State::done;
        heights[done.id] = done.height;
        if (!stack.empty()) stack.back().height = std::max(stack.back().height, 1 + done.height);
    }
}

}  // namespace

struct ParamSchema::Impl {
    nlohmann::json document;
    valijson::Schema schema;
    bool matches_regexes = false;  // see uses_regexes
};

// Whether valijson may match a string of the params against a std::regex: "pattern" and
// "patternProperties" (keys), and the "format"s it checks with one (date, time, date-time). Any such
// keyword anywhere counts; a property merely named so errs on the safe side.
static bool uses_regexes(const nlohmann::json &schema) {
    std::vector<const nlohmann::json *> stack{&schema};
    while (!stack.empty()) {
        const nlohmann::json &value = *stack.back();
        stack.pop_back();
        if (value.is_object() &&
            (value.contains("pattern") || value.contains("patternProperties") || value.contains("format")))
            return true;
        if (value.is_structured())
            for (const auto &child : value) stack.push_back(&child);
    }
    return false;
}

ParamSchema::ParamSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParamSchema::~ParamSchema() = default;

std::shared_ptr<const ParamSchema> ParamSchema::compile(const nlohmann::json &schema) {
    if (!schema.is_object())
        throw std::invalid_argument("a JSON Schema must be an object, got " +
                                    dump_json(schema).substr(0, 200));
    // Bounded before valijson, which recurses through nesting and $refs without a limit.
    check_depth(schema, 0);
    check_references(schema);
    auto impl = std::make_unique<Impl>();
    impl->document = schema;
    impl->matches_regexes = uses_regexes(schema);
    try {
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter adapter(impl->document);
        parser.populateSchema(adapter, impl->schema);
    } catch (const std::exception &e) {
        throw std::invalid_argument(std::string("not a valid JSON Schema: ") + e.what());
    }
    return std::shared_ptr<const ParamSchema>(new ParamSchema(std::move(impl)));
}
// valijson names a location as {"<root>", "[key]", "[0]", ...}; users read JSON pointers.
static std::string json_pointer(const std::vector<std::string> &context) {
    std::string path;
    for (const auto &part : context) {
        if (part == "<root>") continue;
        bool bracketed = part.size() >= 2 && part.front() == '[' && part.back() == ']';
        std::string key = bracketed ? part.substr(1, part.size() - 2) : part;
        if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
        path += "/" + key;
    }
    return path.empty() ? "/" : path;
}

// Longest string (or key) of the params checked against a schema that matches regexes: libstdc++'s
// std::regex recurses once per character matched, about 300 bytes of stack each, so a 30 000-byte
// -p value against a "pattern" overflowed the 8 MiB stack (found running long inputs through the
// params fuzz harness; its own inputs stop at 4 KiB). 4 KiB takes about 1.2 MiB.
constexpr size_t max_regex_subject_bytes = 4096;

// What valijson must not see, as "<json path>: <why>", checked before it runs:
// - invalid UTF-8: valijson counts a string's characters (minLength, maxLength) by decoding it
//   without checking it, and invalid bytes made it read past its decoding table (found by
//   tests/fuzz, a YAML target file). JSON text is valid UTF-8 by construction, but a -p value and a
//   YAML scalar may be any bytes;
// - with `bounded`, a string or key longer than max_regex_subject_bytes (above).
// Iterative: the value may nest deeper than the stack likes.
static std::optional<std::string> unsafe_text_at(const nlohmann::json &params, bool bounded) {
    auto problem = [bounded](const std::string &text, const char *what) -> std::optional<std::string> {
        if (valid_utf8(text) != text) return std::string("not valid UTF-8");
        if (bounded && text.size() > max_regex_subject_bytes)
            return std::string(what) + std::to_string(text.size()) + " bytes, at most " +
                   std::to_string(max_regex_subject_bytes) + " where the schema matches patterns";
        return std::nullopt;
    };
    struct Item {
        const nlohmann::json *value;
        std::string path;
    };
    std::vector<Item> stack{{&params, ""}};
    while (!stack.empty()) {
        Item item = std::move(stack.back());
        stack.pop_back();
        const nlohmann::json &value = *item.value;
        if (value.is_string()) {
            if (auto why = problem(value.get_ref<const std::string &>(), "a string of "))
                return (item.path.empty() ? "/" : item.path) + ": " + *why;
        } else if (value.is_object()) {
            for (const auto &[key, child] : value.items()) {
                std::string path = item.path + "/" + valid_utf8(key.substr(0, 80));
                if (auto why = problem(key, "a key of ")) return path + ": " + *why;
                stack.push_back({&child, std::move(path)});
            }
        } else if (value.is_array()) {
            for (size_t i = 0; i < value.size(); ++i)
                stack.push_back({&value[i], item.path + "/" + std::to_string(i)});
        }
    }
    return std::nullopt;
}

std::optional<std::string> ParamSchema::first_violation(const nlohmann::json &params) const {
    if (auto unsafe = unsafe_text_at(params, impl_->matches_regexes)) return *unsafe;
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(params);
    if (validator.validate(impl_->schema, target, &results)) return std::nullopt;
    valijson::ValidationResults::Error error;
    if (!results.popError(error)) return std::string("/: invalid");
    return json_pointer(error.context) + ": " + error.description;
}

nlohmann::json ParamSchema::with_defaults(nlohmann::json params) const {
    const auto &document = impl_->document;
    if (!params.is_object() || !document.contains("properties") || !document["properties"].is_object())
        return params;
    for (const auto &[key, property] : document["properties"].items()) {
        if (property.is_object() && property.contains("default") && !params.contains(key))
            params[key] = property["default"];
    }
    return params;
}

nlohmann::json parse_param_value(const std::string &text) {
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

}  // namespace drillhost
