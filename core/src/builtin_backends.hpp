// The transports and service backends the core brings (backends.hpp), defined beside the code
// that implements them. Internal to the core.
#pragma once

#include <drillhost/core/backends.hpp>

#include <vector>

namespace drillhost {

std::vector<TransportKind> builtin_transports();             // local, netns, ssh (transport.cpp)
std::vector<ServiceBackendKind> builtin_service_backends();  // systemd, process (service_control.cpp)

}  // namespace drillhost
