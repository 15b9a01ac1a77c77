// Service control on one host of the target: stop, start, kill with a signal, restart, freeze
// (SIGSTOP), thaw (SIGCONT) and status of patroni, postgres (the postmaster Patroni runs), the DCS
// (etcd) or a watchdog daemon. The core's backends:
//   - "systemd": systemctl through the host's transport, with unit names from the target's
//     "services" mapping (default: the service's own name); postgres is the postmaster found
//     through <data_dir>/postmaster.pid, as Patroni runs it inside its own unit;
//   - "process": plain signals through the host's transport, for hosts without systemd: the pid
//     from a pid file, and a start command that starts the service in the background. A member
//     chooses it with "services": {"patroni": {"pidfile": "...", "start": ["sh", "-c", "..."]}}.
// Others are registered (backends.hpp): the embedded cluster's supervisor claims its own targets.
// A target with a "kind" that no registered backend claims is refused, never guessed at.
// A backend is a JSON object, so a fault record in the ledger can name it and `drillhost recover`
// can use it from another process.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace drillhost {

// The backend for `service` on the target's host `host`. Throws UsageError for an unknown host or
// service.
nlohmann::json service_backend(const nlohmann::json &target, const std::string &host,
                               const std::string &service);

// action: stop, start, kill (with `signal`, e.g. "SIGKILL"), restart, freeze, thaw, status.
// Returns {"running": bool, "pid": n} after the action. Throws InfraError when it did not work,
// with what the host said.
nlohmann::json control_service(const nlohmann::json &backend, const std::string &action,
                               const std::string &signal = "SIGKILL");

// "SIGKILL", "KILL" or "9" -> 9; throws UsageError for anything else.
int signal_number(const std::string &name);

}  // namespace drillhost
