// The sandbox's network: one bridge in the root namespace, one network namespace per host with a
// veth on the bridge and its own address in a private subnet the project owns.
#pragma once

#include <drillhost/sandbox/sandbox_state.hpp>

#include <string>
#include <vector>

namespace drillhost::sandbox {

inline constexpr const char *netns_prefix = "dh-";
inline constexpr const char *bridge_name = "dhbr0";

// "" when this process can make namespaces, else why not (not root, no CAP_NET_ADMIN, ...).
std::string namespaces_unavailable_reason();

// `requested` if it is free, else throws UsageError naming the route it clashes with; with
// `requested` empty, the first candidate /24 that no route or address of this machine overlaps.
std::string choose_subnet(const std::string &requested);

// Whether two IPv4 CIDR blocks ("10.0.0.0/8") overlap. Pure; a bare address counts as /32.
bool cidr_overlap(const std::string &a, const std::string &b);

// Assigns addresses (gateway .1, hosts .11, .12, ...) and makes the bridge, namespaces and veths.
void create_network(SandboxState &state);

// Removes the namespaces (killing whatever still runs in them), their veths, the bridge and the
// root-namespace rules listed in `state`. Never fails on what is already gone.
void destroy_network(const SandboxState &state);

// Namespaces named like ours ("dh-...") and whether our bridge exists: what a crashed run left.
std::vector<std::string> project_namespaces();
bool bridge_exists();
// Anything of ours in the machine's network: namespaces, the bridge, veths, iptables rules.
bool network_leftovers();

}  // namespace drillhost::sandbox
