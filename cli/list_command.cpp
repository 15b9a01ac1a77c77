#include <drillhost/core/component.hpp>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace drillhost::cli {

static dh_kind kind_from_name(const std::string &name) {
    if (name == "drill") return DH_KIND_DRILL;
    if (name == "injector") return DH_KIND_INJECTOR;
    if (name == "probe") return DH_KIND_PROBE;
    return 0;
}

int list_command(const GlobalOptions &global, const ListOptions &options) {
    Registry registry;
    load_registry(global, registry);
    auto components = registry.list(kind_from_name(options.kind));
    if (global.format == Format::json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto *c : components) {
            out.push_back({{"id", c->id},
                           {"name", c->name},
                           {"kind", kind_name(c->kind)},
                           {"version", c->version},
                           {"summary", c->summary},
                           {"aliases", c->aliases},
                           {"plugin", c->plugin_path}});
            if (c->kind == DH_KIND_DRILL)
                out.back()["impact"] = {{"level", c->impact}, {"name", impact_name(c->impact)}};
        }
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    TextTable table({"ID", "KIND", "IMPACT", "VERSION", "SUMMARY"});
    for (const auto *c : components)
        table.add({c->id, kind_name(c->kind), c->kind == DH_KIND_DRILL ? impact_name(c->impact) : "",
                   c->version, c->summary});
    table.print(std::cout);
    if (components.empty()) std::cerr << "no components loaded (check --load)\n";
    return 0;
}

}  // namespace drillhost::cli
