// The kinds of transport and service backend the engine knows, by name. A transport or a service
// backend is a JSON object with a "kind" (transport.hpp, service_control.hpp), so that a fault
// record in the ledger can name it and `drillhost recover` can use it again in another process;
// this table says what each kind does.
//
// The core brings the transports local, netns and ssh and the service backends systemd and
// process. Something with machinery of its own (the embedded cluster's supervisor, a harness's own
// orchestration) registers more at start-up, before any run, and in a worker process too (the
// worker is the same program: register before calling worker_main()).
#pragma once

#include <drillhost/core/transport.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace drillhost {

struct TransportKind {
    std::string name;  // the transport's "kind"
    // Runs argv on the transport's host (the contract of exec_on).
    std::function<ExecResult(const nlohmann::json &transport, const std::vector<std::string> &argv,
                             std::chrono::milliseconds timeout)>
        exec;
    // "netns dh-pg-1", for messages.
    std::function<std::string(const nlohmann::json &transport)> describe;
};

struct ServiceBackendKind {
    std::string name;  // the backend's "kind"
    // The backend for `service` on `host` when this kind serves the target, else nullopt (the next
    // kind is asked, then the core's own rules). Throws UsageError for a service it serves but
    // does not have. Optional: a kind that only controls backends named explicitly leaves it empty.
    std::function<std::optional<nlohmann::json>(const nlohmann::json &target, const std::string &host,
                                                const std::string &service)>
        claim;
    // Carries out a validated action (stop, start, kill with `signo`, restart, freeze, thaw,
    // status) and returns {"running": bool, "pid": n} (the contract of control_service).
    std::function<nlohmann::json(const nlohmann::json &backend, const std::string &action, int signo)>
        control;
};

// Adds a kind, or replaces the one of the same name. Thread-safe.
void register_transport(TransportKind kind);
void register_service_backend(ServiceBackendKind kind);

// The kind named, or nullptr.
std::shared_ptr<const TransportKind> find_transport(const std::string &name);
std::shared_ptr<const ServiceBackendKind> find_service_backend(const std::string &name);
// Every service backend kind, in registration order (the core's own first).
std::vector<std::shared_ptr<const ServiceBackendKind>> service_backends();

// The names known, in registration order (the core's own first): for messages.
std::vector<std::string> transport_names();
std::vector<std::string> service_backend_names();

}  // namespace drillhost
