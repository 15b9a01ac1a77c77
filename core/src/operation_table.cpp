#include "operation_table.hpp"

#include "declared_schema.hpp"

#include <drillhost/core/bounded_json.hpp>

#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace drillhost {
namespace {

// Operation names are identifiers a drill types: "cluster", "patch_config".
bool operation_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return name[0] >= 'a' && name[0] <= 'z';
}

constexpr size_t operation_v1_size = offsetof(dh_operation, undo) + sizeof(void *);
constexpr size_t max_text_bytes = 4096;

std::string bounded_text(const char *text) {
    return text == nullptr ? std::string() : std::string(text, ::strnlen(text, max_text_bytes));
}

// What an injector's inject returns through call_operation.
const char *fault_result_schema = R"({
    "type": "object",
    "properties": {"fault_id": {"type": "integer", "minimum": 1}},
    "required": ["fault_id"],
    "additionalProperties": false
})";

Operation listed(const Component &component, const char *name, dh_effect effect, OperationRoute route,
                 const char *result_schema) {
    Operation op;
    op.name = name;
    op.effect = effect;
    op.summary = component.summary;
    op.params_schema = component.schema;
    op.params = component.validator;
    auto result = read_declared_schema(result_schema, "result schema");
    op.result_schema = std::move(result.schema);
    op.result = std::move(result.validator);
    op.route = route;
    return op;
}

// A probe without declared operations may still say that its sample only observes, with the
// annotation "x-drillhost-effect": "observe" at the top of its params schema.
dh_effect legacy_sample_effect(const nlohmann::json &schema) {
    auto it = schema.is_object() ? schema.find("x-drillhost-effect") : schema.end();
    return it != schema.end() && *it == "observe" ? DH_EFFECT_OBSERVE : DH_EFFECT_ACT;
}

}  // namespace

bool declares_operations(const dh_component *table) {
    return table->struct_size >= offsetof(dh_component, invoke) + sizeof(void *) &&
           table->operation_count > 0;
}

std::vector<Operation> read_operations(const Component &component) {
    const dh_component *table = component.table;
    std::vector<Operation> operations;
    if (component.kind == DH_KIND_INJECTOR)
        operations.push_back(
            listed(component, "inject", DH_EFFECT_FAULT, OperationRoute::inject, fault_result_schema));
    if (!declares_operations(table)) {
        if (component.kind == DH_KIND_PROBE)
            operations.push_back(listed(component, "sample", legacy_sample_effect(component.schema),
                                        OperationRoute::sample, "{}"));
        return operations;
    }
    if (component.kind == DH_KIND_DRILL) throw std::invalid_argument("a drill declares no operations");
    if (table->operation_count > max_operations)
        throw std::invalid_argument("declares " + std::to_string(table->operation_count) +
                                    " operations, at most " + std::to_string(max_operations));
    if (table->operations == nullptr || table->invoke == nullptr)
        throw std::invalid_argument("declares operations but its operations table or invoke is NULL");
    for (uint32_t i = 0; i < table->operation_count; ++i) {
        const dh_operation *d = table->operations[i];
        std::string where = "operation #" + std::to_string(i);
        if (d == nullptr || d->struct_size < operation_v1_size)
            throw std::invalid_argument(where + " is NULL or its table is too small");
        std::string name = bounded_text(d->name);
        if (!operation_name(name))
            throw std::invalid_argument(where +
                                        ": name must be lower case letters, digits and _, starting "
                                        "with a letter, at most 64 bytes (e.g. \"cluster\")");
        where = "operation '" + name + "'";
        for (const auto &other : operations)
            if (other.name == name) throw std::invalid_argument(where + " is declared twice");
        if (d->effect == DH_EFFECT_FAULT)
            throw std::invalid_argument(where +
                                        ": effect fault is an injector's inject, not a declared "
                                        "operation; declare observe or act");
        if (d->effect != DH_EFFECT_OBSERVE && d->effect != DH_EFFECT_ACT)
            throw std::invalid_argument(where + ": unknown effect " + std::to_string(d->effect));
        Operation op;
        op.name = name;
        op.effect = d->effect;
        op.summary = valid_utf8(bounded_text(d->summary));  // printed by describe, kept in JSON
        if (op.summary.empty()) throw std::invalid_argument(where + ": summary must be set");
        auto params = read_declared_schema(d->params_schema, where + ": its params schema");
        auto result = read_declared_schema(d->result_schema, where + ": its result schema");
        op.params_schema = std::move(params.schema);
        op.params = std::move(params.validator);
        op.result_schema = std::move(result.schema);
        op.result = std::move(result.validator);
        op.undo = bounded_text(d->undo);
        op.route = OperationRoute::invoke;
        operations.push_back(std::move(op));
    }
    // An undo is an operation of the same component; only an act has one, and an undo has none.
    for (auto &op : operations) {
        if (op.undo.empty()) continue;
        std::string where = "operation '" + op.name + "'";
        if (op.effect != DH_EFFECT_ACT)
            throw std::invalid_argument(where + ": only an act declares an undo (it is " +
                                        effect_name(op.effect) + ")");
        Operation *undo = nullptr;
        for (auto &other : operations)
            if (other.name == op.undo) undo = &other;
        if (undo == nullptr)
            throw std::invalid_argument(where + ": its undo '" + op.undo + "' is not one of its operations");
        if (undo == &op) throw std::invalid_argument(where + " cannot be its own undo");
        if (!undo->undo.empty())
            throw std::invalid_argument(where + ": its undo '" + undo->name + "' declares an undo itself");
        if (undo->effect != DH_EFFECT_ACT)
            throw std::invalid_argument(where + ": its undo '" + undo->name + "' must be an act");
        undo->is_undo = true;
    }
    return operations;
}

}  // namespace drillhost
