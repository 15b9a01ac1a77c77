// A component's operations as the host sees them: the ones an ABI 1.3 plugin declares
// (dh_component.operations), checked like the rest of its tables, plus the ones the host lists for
// it: an injector's "inject" (effect fault) and, for a probe without declared operations (ABI 1.0 to
// 1.2), its sample() as one operation "sample" of effect act.
#pragma once

#include <drillhost/core/component.hpp>

#include <vector>

namespace drillhost {

// Most operations one component may declare.
constexpr uint32_t max_operations = 256;

// Throws std::invalid_argument saying what is wrong with a declared operation (the caller names the
// plugin and component). `component` has its kind, schema and table set.
std::vector<Operation> read_operations(const Component &component);

// Whether the component's table has the ABI 1.3 fields (operation_count, operations, invoke).
bool declares_operations(const dh_component *table);

}  // namespace drillhost
