// A component (drill, injector or probe) read from a loaded plugin's descriptor.
#pragma once

#include <drillhost/plugin_api.h>
#include <drillhost/core/param_schema.hpp>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace drillhost {

// Human name of a kind: "drill", "injector", "probe" ("unknown" otherwise).
const char *kind_name(dh_kind kind);
// "read-only", "replica", "planned", "primary-lost", "split-brain" or "unknown" (see dh_impact).
const char *impact_name(dh_impact impact);

struct Component {
    std::string id;
    std::string name;
    std::string version;
    std::string summary;
    dh_kind kind = 0;
    dh_impact impact = DH_IMPACT_UNKNOWN;  // drills; orders `run --all`
    nlohmann::json schema;                 // the parameters' JSON Schema, as the plugin declared it
    std::shared_ptr<const ParamSchema> validator;
    std::string plugin_path;              // the .so it came from
    const dh_component *table = nullptr;  // valid while the plugin stays loaded (always, see loader)
};

}  // namespace drillhost
