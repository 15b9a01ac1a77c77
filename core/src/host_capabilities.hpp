// What dh_host.call (ABI 1.1) dispatches to: exec, service and context. Internal to the core.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace drillhost {

struct CallContext {
    const nlohmann::json &target;
    std::string run_id;
    std::string drill;
};

// Throws UsageError for a request the capability cannot use (unknown capability, host, service),
// InfraError when it was tried and did not work.
nlohmann::json call_capability(const std::string &name, const nlohmann::json &request,
                               const CallContext &context);

}  // namespace drillhost
