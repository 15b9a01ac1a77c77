// The partition injector: iptables rules on one host cutting it off from a set of peers (default:
// every other member) or from the DCS, both ways or one way, whole host or by TCP port. Every rule
// carries the comment "drillhost:<run>:<tag>", and revert deletes the rules with that comment and
// no other, so a partition is never left behind and nobody else's rule is touched.
#include <drillhost/sdk.hpp>

#include <algorithm>
#include <sstream>

#include "injector_hosts.hpp"

namespace dh = drillhost::sdk;
using namespace drillhost::injectors;

namespace {

struct Peer {
    std::string address;
    std::optional<int> port;  // only this TCP port (the DCS's client port), else every packet
};

std::vector<Peer> peers_of(const json &target, const json &params) {
    std::vector<Peer> peers;
    std::vector<int> ports = params.value("ports", std::vector<int>{});
    auto add = [&](const std::string &address, std::optional<int> only) {
        if (only) return peers.push_back({address, only});
        if (ports.empty()) return peers.push_back({address, std::nullopt});
        for (int p : ports) peers.push_back({address, p});
    };
    if (params.value("dcs", false)) {
        // The DCS endpoints: the target's dcs.hosts ("addr:port"), else the members running etcd.
        auto hosts = target.value("dcs_hosts", json::array());
        for (const auto &h : hosts) {
            std::string text = h;
            auto colon = text.rfind(':');
            add(text.substr(0, colon), colon == std::string::npos ? 2379 : std::stoi(text.substr(colon + 1)));
        }
        if (hosts.empty())
            for (const auto &m : target.value("members", json::array()))
                if (m.value("runs_etcd", false)) add(address_of(m), m.value("etcd_client_port", 2379));
        if (peers.empty())
            throw dh::Error(DH_ERR_INVALID_ARGUMENT,
                            "dcs: the target names no DCS endpoint (dcs_hosts: [\"addr:port\", ...])");
        return peers;
    }
    auto names = params.contains("peers") ? params["peers"].get<std::vector<std::string>>()
                                          : others(target, params.at("host"));
    for (const auto &name : names) add(address_of(member_of(target, name)), std::nullopt);
    if (peers.empty()) throw dh::Error(DH_ERR_INVALID_ARGUMENT, "no peer to cut the host off from");
    return peers;
}

// iptables arguments after "-I"/"-D": chain and match.
std::vector<std::vector<std::string>> rules_for(const std::vector<Peer> &peers, const std::string &direction,
                                                const std::string &comment) {
    std::vector<std::vector<std::string>> rules;
    for (const auto &peer : peers) {
        for (const char *chain : {"INPUT", "OUTPUT"}) {
            bool in = std::string(chain) == "INPUT";
            if ((direction == "in" && !in) || (direction == "out" && in)) continue;
            std::vector<std::string> base = {chain, in ? "-s" : "-d", peer.address};
            auto finish = [&](std::vector<std::string> rule) {
                rule.insert(rule.end(), {"-m", "comment", "--comment", comment, "-j", "DROP"});
                rules.push_back(std::move(rule));
            };
            if (!peer.port) {
                finish(base);
                continue;
            }
            for (const char *side : {"--dport", "--sport"}) {  // both TCP flows that involve the port
                auto rule = base;
                rule.insert(rule.end(), {"-p", "tcp", side, std::to_string(*peer.port)});
                finish(rule);
            }
        }
    }
    return rules;
}

// Deletes every rule carrying `comment` from INPUT and OUTPUT, highest rule number first.
int delete_tagged(dh::Host &host, const json &where, const std::string &comment) {
    int deleted = 0;
    for (const char *chain : {"INPUT", "OUTPUT"}) {
        auto listed = host.exec_checked(where, {"iptables", "-w", "-n", "-L", chain, "--line-numbers"});
        std::vector<int> numbers;
        std::istringstream lines(listed["stdout"].get<std::string>());
        for (std::string line; std::getline(lines, line);)
            if (line.find("/* " + comment + " */") != std::string::npos)
                numbers.push_back(std::atoi(line.c_str()));
        std::sort(numbers.rbegin(), numbers.rend());
        for (int n : numbers) host.exec_checked(where, {"iptables", "-w", "-D", chain, std::to_string(n)});
        deleted += static_cast<int>(numbers.size());
    }
    return deleted;
}

void require_iptables(dh::Host &host, const json &where) {
    auto probe = host.exec(where, {"sh", "-c", "command -v iptables"});
    if (probe.value("exit_code", -1) != 0)
        throw dh::Error(DH_ERR_UNAVAILABLE, "iptables is not installed on " + probe["transport"].dump() +
                                                ": apt-get install iptables there");
}

}  // namespace

struct PartitionInjector : dh::Injector {
    static constexpr dh::Info info{
        "org.drillhost.injector.partition", "partition", "0.1.0",
        "iptables rules cutting one host off from peers or the DCS; every rule tagged with the run",
        R"json({
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "the member to cut off"},
            "peers": {"type": "array", "items": {"type": "string"}, "description": "members to cut it off from (default: every other member)"},
            "dcs": {"type": "boolean", "default": false, "description": "cut it off from the DCS endpoints instead of peers"},
            "ports": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535},
                      "description": "only these TCP ports (both flows); default: every packet"},
            "direction": {"enum": ["both", "in", "out"], "default": "both",
                          "description": "in: drop what the peers send; out: drop what the host sends"}
        },
        "required": ["host"],
        "additionalProperties": false
    })json"};

    json inject(dh::Host &host, const json &params) override {
        json target = host.target();
        member_of(target, params.at("host"));  // an unknown host is refused before anything runs
        std::string comment = fault_tag(host.run_id(), params);
        json where = {{"host", params.at("host")}};
        require_iptables(host, where);
        where = {{"transport", host.exec(where, {"true"})["transport"]}};
        auto rules = rules_for(peers_of(target, params), params.value("direction", "both"), comment);
        try {
            for (const auto &rule : rules) {
                std::vector<std::string> argv = {"iptables", "-w", "-I"};
                argv.insert(argv.end(), rule.begin(), rule.end());
                host.exec_checked(where, argv);
            }
        } catch (...) {
            delete_tagged(host, where, comment);  // never leave half a partition behind
            throw;
        }
        host.info("cut " + params.at("host").get<std::string>() + " off: " + std::to_string(rules.size()) +
                  " rule(s) tagged " + comment);
        return {{"transport", where["transport"]}, {"comment", comment}, {"rules", rules.size()}};
    }

    void revert(dh::Host &host, const json &record, bool unconfirmed) override {
        // Unconfirmed, the record is the params: the tag is recomputed from them, and the host is
        // found in the run's target, which the ledger kept.
        json where =
            unconfirmed ? json{{"host", record.at("host")}} : json{{"transport", record.at("transport")}};
        std::string comment =
            unconfirmed ? fault_tag(host.run_id(), record) : record.at("comment").get<std::string>();
        int deleted = delete_tagged(host, where, comment);
        host.info("removed " + std::to_string(deleted) + " rule(s) tagged " + comment);
    }
};

DRILLHOST_PLUGIN("partition", "0.1.0", PartitionInjector)
