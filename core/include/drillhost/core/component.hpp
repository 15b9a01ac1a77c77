// A component (drill, injector or probe) read from a loaded plugin's descriptor, with the operations
// it offers (ABI 1.3, or listed by the host for older plugins: see operations.hpp).
#pragma once

#include <drillhost/plugin_api.h>
#include <drillhost/core/param_schema.hpp>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace drillhost {

// Human name of a kind: "drill", "injector", "probe" ("unknown" otherwise).
const char *kind_name(dh_kind kind);
// "read-only", "replica", "planned", "primary-lost", "split-brain" or "unknown" (see dh_impact).
const char *impact_name(dh_impact impact);
// "observe", "act", "fault" or "unknown" (see dh_effect).
const char *effect_name(dh_effect effect);

// How the host reaches an operation.
enum class OperationRoute {
    invoke,  // dh_component.invoke (ABI 1.3, declared by the plugin)
    sample,  // dh_component.sample: a probe without declared operations (ABI 1.0-1.2)
    inject   // dh_component.inject, through the fault ledger: every injector's "inject"
};

struct Operation {
    std::string name;
    dh_effect effect = DH_EFFECT_ACT;
    std::string summary;
    nlohmann::json params_schema;
    nlohmann::json result_schema;
    std::shared_ptr<const ParamSchema> params;
    std::shared_ptr<const ParamSchema> result;
    std::string undo;      // an act that creates something: the operation that removes it, else ""
    bool is_undo = false;  // some act of the component names this operation as its undo
    OperationRoute route = OperationRoute::invoke;
};

struct Component {
    std::string id;
    std::string name;
    std::string version;
    std::string summary;
    std::vector<std::string> aliases;  // ids and short names it had before (ABI 1.4)
    dh_kind kind = 0;
    dh_impact impact = DH_IMPACT_UNKNOWN;  // drills; orders `run --all`
    nlohmann::json schema;                 // the parameters' JSON Schema, as the plugin declared it
    std::shared_ptr<const ParamSchema> validator;
    std::vector<Operation> operations;    // probes and injectors; empty for drills
    std::string plugin_path;              // the .so it came from
    const dh_component *table = nullptr;  // valid while the plugin stays loaded (always, see loader)

    // nullptr when the component has no such operation.
    const Operation *operation(const std::string &name) const;
};

// `params` (null counts as {}) with the schema's defaults filled in, checked against the
// component's schema: the one check every caller uses (the CLI before the first drill runs, the
// Runner, the host for probe and injector calls). Throws UsageError "<kind> <id>: parameter
// <violation> (see `drillhost describe <id>`)".
nlohmann::json validated_params(const Component &component, const nlohmann::json &params);

}  // namespace drillhost
