#include <drillhost/core/component.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace drillhost::cli {

int describe_command(const GlobalOptions &global, const std::string &id) {
    Registry registry;
    load_registry(global, registry);
    const Component *c = registry.find(id);
    if (c == nullptr) throw UsageError("no component '" + id + "' is loaded; `drillhost list` shows what is");
    if (global.format == Format::json) {
        nlohmann::json out{{"id", c->id},
                           {"name", c->name},
                           {"kind", kind_name(c->kind)},
                           {"version", c->version},
                           {"summary", c->summary},
                           {"plugin", c->plugin_path},
                           {"params_schema", c->schema}};
        if (c->kind == DH_KIND_DRILL)
            out["impact"] = {{"level", c->impact}, {"name", impact_name(c->impact)}};
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    std::cout << c->id << " (" << kind_name(c->kind) << " " << c->version << ")\n"
              << "  " << c->summary << "\n"
              << "  plugin: " << c->plugin_path << "\n";
    if (c->kind == DH_KIND_DRILL)
        std::cout << "  impact: " << impact_name(c->impact) << " (run --all order)\n";
    std::cout << '\n';
    const auto &properties = c->schema.value("properties", nlohmann::json::object());
    if (!properties.empty()) {
        std::cout << "Parameters (--param NAME=VALUE):\n";
        for (const auto &[name, p] : properties.items()) {
            std::cout << "  " << name << " (" << (p.contains("type") ? p["type"].dump() : "any") << ")";
            if (p.contains("default")) std::cout << " default " << p["default"].dump();
            if (p.contains("description")) std::cout << ": " << p["description"].get<std::string>();
            std::cout << '\n';
        }
        std::cout << '\n';
    }
    std::cout << "Schema:\n" << c->schema.dump(2) << '\n';
    return 0;
}

}  // namespace drillhost::cli
