#include "host_capabilities.hpp"

#include <drillhost/core/errors.hpp>
#include <drillhost/core/service_control.hpp>
#include <drillhost/core/transport.hpp>

namespace drillhost {
using nlohmann::json;

namespace {

// A request names a host of the target, or carries what an earlier call returned (from a record).
json transport_of(const json &request, const CallContext &context) {
    if (request.contains("transport")) return request["transport"];
    if (request.contains("host")) return transport_for(context.target, request["host"].get<std::string>());
    throw UsageError("exec: the request needs \"host\" (a member of the target) or \"transport\"");
}

json exec(const json &request, const CallContext &context) {
    if (!request.contains("argv") || !request["argv"].is_array() || request["argv"].empty())
        throw UsageError("exec: \"argv\" must be a non-empty array of strings");
    json transport = transport_of(request, context);
    auto argv = request["argv"].get<std::vector<std::string>>();
    auto result = exec_on(transport, argv, std::chrono::milliseconds(request.value("timeout_ms", 30000)));
    json out = result.to_json();
    out["transport"] = transport;
    return out;
}

json service(const json &request, const CallContext &context) {
    json backend = request.contains("backend") ? request["backend"]
                                               : service_backend(context.target, request.value("host", ""),
                                                                 request.value("service", ""));
    json out =
        control_service(backend, request.value("action", "status"), request.value("signal", "SIGKILL"));
    out["backend"] = backend;
    return out;
}

}  // namespace

json call_capability(const std::string &name, const json &request, const CallContext &context) {
    if (!request.is_object()) throw UsageError(name + ": the request must be a JSON object");
    if (name == "exec") return exec(request, context);
    if (name == "service") return service(request, context);
    if (name == "context") return {{"run_id", context.run_id}, {"drill", context.drill}};
    throw UsageError("the host has no capability '" + name + "'; it has exec, service and context");
}

}  // namespace drillhost
