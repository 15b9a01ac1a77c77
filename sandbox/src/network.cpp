#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/sandbox/command.hpp>
#include <drillhost/sandbox/network.hpp>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace drillhost::sandbox {
namespace {

struct Block {
    uint32_t base = 0;
    uint32_t mask = 0;
};

Block parse_block(const std::string &cidr) {
    auto slash = cidr.find('/');
    std::string address = cidr.substr(0, slash);
    int bits = slash == std::string::npos ? 32 : std::stoi(cidr.substr(slash + 1));
    in_addr parsed{};
    if (inet_pton(AF_INET, address.c_str(), &parsed) != 1)
        throw UsageError("not an IPv4 CIDR block: " + cidr);
    uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
    return {ntohl(parsed.s_addr) & mask, mask};
}

std::string host_address(const std::string &subnet, int host) {
    Block block = parse_block(subnet);
    in_addr out{htonl(block.base + static_cast<uint32_t>(host))};
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &out, text, sizeof text);
    return text;
}

// Every IPv4 destination and address this machine already routes, as CIDR text.
std::vector<std::string> routed_blocks() {
    std::vector<std::string> blocks;
    auto routes = nlohmann::json::parse(
        run_checked({"ip", "-j", "-4", "route", "show", "table", "all"}, "listing routes"), nullptr, false);
    if (routes.is_array())
        for (const auto &r : routes) {
            std::string dst = r.value("dst", "");
            if (!dst.empty() && dst != "default" && dst.find(':') == std::string::npos) blocks.push_back(dst);
        }
    auto addresses =
        nlohmann::json::parse(run_checked({"ip", "-j", "-4", "addr"}, "listing addresses"), nullptr, false);
    if (addresses.is_array())
        for (const auto &link : addresses)
            for (const auto &a : link.value("addr_info", nlohmann::json::array()))
                blocks.push_back(a.value("local", "") + "/" + std::to_string(a.value("prefixlen", 32)));
    return blocks;
}

void ip(const std::vector<std::string> &args, const std::string &what) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_checked(argv, what);
}

// The root namespace's rules as iptables-save prints them; "" where iptables is not installed
// (then no rule of ours can exist either).
std::string project_rules() {
    try {
        return run_command({"iptables-save"}).output;
    } catch (const InfraError &) {
        return "";
    }
}

}  // namespace

bool cidr_overlap(const std::string &a, const std::string &b) {
    Block x = parse_block(a), y = parse_block(b);
    uint32_t common = x.mask & y.mask;  // the shorter prefix decides
    return (x.base & common) == (y.base & common);
}

std::string namespaces_unavailable_reason() {
    if (::geteuid() != 0) return "not root: network namespaces need CAP_NET_ADMIN";
    std::string probe = std::string(netns_prefix) + "probe-" + std::to_string(::getpid());
    auto made = run_command({"ip", "netns", "add", probe});
    if (!made.ok()) return "`ip netns add` failed: " + made.output;
    run_command({"ip", "netns", "del", probe});
    return "";
}

std::string choose_subnet(const std::string &requested) {
    auto taken = routed_blocks();
    auto clash = [&](const std::string &candidate) -> std::string {
        for (const auto &block : taken)
            if (cidr_overlap(candidate, block)) return block;
        return "";
    };
    if (!requested.empty()) {
        if (auto block = clash(requested); !block.empty())
            throw UsageError("--subnet " + requested + " overlaps " + block +
                             ", which this machine already routes; choose another private /24");
        return requested;
    }
    for (int third = 7; third < 250; ++third) {
        std::string candidate = "10.213." + std::to_string(third) + ".0/24";
        if (clash(candidate).empty()) return candidate;
    }
    throw InfraError("no free /24 in 10.213.0.0/16 for the sandbox; pass --subnet");
}

void create_network(SandboxState &state) {
    state.bridge = bridge_name;
    state.gateway = host_address(state.subnet, 1);
    std::string prefix = state.subnet.substr(state.subnet.find('/'));
    ip({"link", "add", state.bridge, "type", "bridge"}, "creating the bridge " + state.bridge);
    ip({"addr", "add", state.gateway + prefix, "dev", state.bridge}, "addressing the bridge");
    ip({"link", "set", state.bridge, "up"}, "bringing the bridge up");
    // With br_netfilter loaded, iptables sees bridged frames; let ours through whatever FORWARD says.
    std::ifstream bridge_nf("/proc/sys/net/bridge/bridge-nf-call-iptables");
    int filtered = 0;
    if (bridge_nf >> filtered && filtered == 1) {
        std::string rule = "FORWARD -i " + state.bridge + " -o " + state.bridge +
                           " -j ACCEPT -m comment --comment drillhost-sandbox";
        run_checked({"iptables", "-I", "FORWARD", "-i", state.bridge, "-o", state.bridge, "-j", "ACCEPT",
                     "-m", "comment", "--comment", "drillhost-sandbox"},
                    "allowing bridged traffic");
        state.iptables_rules.push_back(rule);
    }
    for (size_t i = 0; i < state.members.size(); ++i) {
        Member &m = state.members[i];
        m.netns = netns_prefix + m.name;
        m.address = host_address(state.subnet, 11 + static_cast<int>(i));
        std::string host_end = "dhv-" + m.name;  // IFNAMSIZ: at most 15 characters
        ip({"netns", "add", m.netns}, "creating namespace " + m.netns);
        ip({"link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", m.netns},
           "creating a veth");
        ip({"link", "set", host_end, "master", state.bridge, "up"}, "attaching the veth to the bridge");
        ip({"-n", m.netns, "addr", "add", m.address + prefix, "dev", "eth0"}, "addressing " + m.name);
        ip({"-n", m.netns, "link", "set", "eth0", "up"}, "bringing up eth0 of " + m.name);
        ip({"-n", m.netns, "link", "set", "lo", "up"}, "bringing up lo of " + m.name);
        // No default route on purpose: a host reaches its peers and the gateway, nothing else, so no
        // packet (a DNS lookup, say) can leave for the outside world, and a lookup fails at once.
    }
}

std::vector<std::string> project_namespaces() {
    std::vector<std::string> names;
    auto listed = nlohmann::json::parse(run_command({"ip", "-j", "netns", "list"}).output, nullptr, false);
    if (listed.is_array())
        for (const auto &ns : listed) {
            std::string name = ns.value("name", "");
            if (name.rfind(netns_prefix, 0) == 0) names.push_back(name);
        }
    return names;
}

bool bridge_exists() {
    return run_command({"ip", "link", "show", bridge_name}).ok();
}

bool network_leftovers() {
    if (!project_namespaces().empty() || bridge_exists()) return true;
    if (run_command({"ip", "-o", "link", "show"}).output.find("dhv-") != std::string::npos) return true;
    return project_rules().find("--comment drillhost-sandbox") != std::string::npos;
}

void destroy_network(const SandboxState &state) {
    std::vector<std::string> namespaces = project_namespaces();
    for (const auto &m : state.members)
        if (!m.netns.empty() && std::find(namespaces.begin(), namespaces.end(), m.netns) == namespaces.end())
            namespaces.push_back(m.netns);
    // Nothing may outlive its host: kill what still runs inside, and wait for it to be gone, since a
    // namespace (and its veth) lives on while a process is in it.
    std::vector<pid_t> killed;
    for (const auto &ns : namespaces) {
        std::istringstream pids(run_command({"ip", "netns", "pids", ns}).output);
        for (pid_t pid; pids >> pid;)
            if (::kill(pid, SIGKILL) == 0) killed.push_back(pid);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (pid_t pid : killed)
        while (process_alive(pid) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (const auto &ns : namespaces) run_command({"ip", "netns", "del", ns});
    // Host ends of veths whose namespace is not gone yet: deleting one end deletes the pair.
    auto links = nlohmann::json::parse(run_command({"ip", "-j", "link", "show"}).output, nullptr, false);
    if (links.is_array())
        for (const auto &link : links) {
            std::string name = link.value("ifname", "");
            if (name.rfind("dhv-", 0) == 0) run_command({"ip", "link", "del", name});
        }
    // Every root-namespace rule of ours, found by its comment (not only those the state lists).
    std::istringstream rules(project_rules());
    for (std::string line; std::getline(rules, line);) {
        if (line.rfind("-A ", 0) != 0 || line.find("--comment drillhost-sandbox") == std::string::npos)
            continue;
        std::vector<std::string> argv{"iptables", "-D"};
        std::istringstream words(line.substr(3));
        for (std::string w; words >> w;) argv.push_back(w);
        run_command(argv);
    }
    if (bridge_exists()) run_command({"ip", "link", "del", bridge_name});
}

}  // namespace drillhost::sandbox
