#include <drillhost/core/component.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace drillhost::cli {

namespace {

// One line per property of a params schema: name (type) default ...: description.
void print_parameters(std::ostream &out, const nlohmann::json &schema, const std::string &indent) {
    const auto &properties = schema.value("properties", nlohmann::json::object());
    for (const auto &[name, p] : properties.items()) {
        out << indent << name << " ("
            << (p.contains("type")   ? p["type"].dump()
                : p.contains("enum") ? p["enum"].dump()
                                     : "any")
            << ")";
        if (p.contains("default")) out << " default " << p["default"].dump();
        if (p.contains("description") && p["description"].is_string())
            out << ": " << p["description"].get<std::string>();
        out << '\n';
    }
}

nlohmann::json operation_json(const Operation &op) {
    return {{"name", op.name},
            {"effect", effect_name(op.effect)},
            {"summary", op.summary},
            {"undo", op.undo.empty() ? nlohmann::json(nullptr) : nlohmann::json(op.undo)},
            {"params_schema", op.params_schema},
            {"result_schema", op.result_schema}};
}

}  // namespace

int describe_command(const GlobalOptions &global, const std::string &id) {
    Registry registry;
    load_registry(global, registry);
    // An id, a short name or an alias, of any kind: an ambiguous one is refused with its candidates.
    const Component *c = registry.find(registry.resolve(id, 0));
    if (c == nullptr) throw UsageError("no component '" + id + "' is loaded; `drillhost list` shows what is");
    // Probes and injectors are used through their operations; an injector's params are its inject's.
    bool by_operations = !c->operations.empty();
    if (global.format == Format::json) {
        nlohmann::json out{{"id", c->id},
                           {"name", c->name},
                           {"kind", kind_name(c->kind)},
                           {"version", c->version},
                           {"summary", c->summary},
                           {"aliases", c->aliases},
                           {"plugin", c->plugin_path},
                           {"params_schema", c->schema}};
        if (c->kind == DH_KIND_DRILL)
            out["impact"] = {{"level", c->impact}, {"name", impact_name(c->impact)}};
        if (by_operations) {
            out["operations"] = nlohmann::json::array();
            for (const auto &op : c->operations) out["operations"].push_back(operation_json(op));
        }
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    std::cout << c->id << " (" << kind_name(c->kind) << " " << c->version << ")\n"
              << "  " << c->summary << "\n"
              << "  plugin: " << c->plugin_path << "\n";
    if (!c->aliases.empty()) {
        std::cout << "  also known as:";
        for (const auto &alias : c->aliases) std::cout << ' ' << alias;
        std::cout << '\n';
    }
    if (c->kind == DH_KIND_DRILL)
        std::cout << "  impact: " << impact_name(c->impact) << " (run --all order)\n";
    std::cout << '\n';
    if (by_operations) {
        std::cout << "Operations (`drillhost probe " << c->name << " OPERATION -p NAME=VALUE`; a drill calls "
                  << "host.operate(\"" << c->id << "\", OPERATION, params)):\n";
        for (const auto &op : c->operations) {
            std::cout << "\n  " << op.name << " (" << effect_name(op.effect)
                      << (op.undo.empty() ? "" : ", undone by " + op.undo) << "): " << op.summary << '\n';
            print_parameters(std::cout, op.params_schema, "    ");
            std::cout << "    params schema: " << op.params_schema.dump() << '\n'
                      << "    result schema: " << op.result_schema.dump() << '\n';
        }
        return 0;
    }
    if (!c->schema.value("properties", nlohmann::json::object()).empty()) {
        std::cout << "Parameters (--param NAME=VALUE):\n";
        print_parameters(std::cout, c->schema, "  ");
        std::cout << '\n';
    }
    std::cout << "Schema:\n" << c->schema.dump(2) << '\n';
    return 0;
}

}  // namespace drillhost::cli
