// The embedded cluster: `drillhost sandbox up|status|down|exec`. Hosts are network namespaces on
// a bridge, each running an etcd member (the first three hosts), Patroni and PostgreSQL 15, as the
// postgres user. Without namespaces (not root), members share 127.0.0.1 with distinct ports.
// See docs/embedded-cluster.md.
#pragma once

#include <drillhost/sandbox/sandbox_state.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace drillhost::sandbox {

using Progress = std::function<void(const std::string &message)>;

// Cleans what a crashed earlier run left, builds the hosts, starts every service and waits until
// there is one leader and every replica streams from it. On failure, removes everything it made and
// throws with the tail of the failing member's log. Throws UsageError when a sandbox is already up.
// --profile pigsty: the cluster laid out as Pigsty lays one out where the sandbox can: its services
// (HAProxy, pgbouncer), failsafe_mode, REST basic auth for patroni_username, members named
// <cluster>-<seq> (cluster pg-test), Patroni's timing from the pg_rto plan, and with --ssh a non-root
// admin user with passwordless sudo. What the caller set by hand (`given`: "scope", "ttl",
// "loop_wait", "retry_timeout") stays.
void apply_profile(SandboxOptions &options, const std::set<std::string> &given);

SandboxState sandbox_up(const std::filesystem::path &state_dir, const SandboxOptions &options,
                        const Progress &progress,
                        std::chrono::seconds ready_timeout = std::chrono::seconds(90));

// Removes every process, namespace, veth, bridge, iptables rule and directory the sandbox made.
// Returns false when there was nothing to remove.
bool sandbox_down(const std::filesystem::path &state_dir, const Progress &progress);

// Patroni's GET /cluster from the first member that answers, as JSON; throws InfraError naming
// every member tried when none answers.
nlohmann::json cluster_view(const SandboxState &state);

// With --services: each host's HAProxy, from its stats socket: [{member, services: [{service, port,
// routes_to: [member...], servers: [...]}]}], or {member, error} for a host whose HAProxy does not
// answer. Empty without --services.
nlohmann::json routing_view(const SandboxState &state);

// Runs argv inside a host (its namespace) as root, with our stdin/stdout/stderr; returns its exit code.
int sandbox_exec(const SandboxState &state, const std::string &member, const std::vector<std::string> &argv);

// Whether the sandbox described by `state` has live services (at least one Patroni).
bool sandbox_alive(const SandboxState &state);

}  // namespace drillhost::sandbox
