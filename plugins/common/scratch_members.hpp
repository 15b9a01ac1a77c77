// The members of a scratch cluster (a second cluster the scratch-cluster injector builds on the
// embedded cluster's hosts), as the injector's `layout` operation describes them.
#pragma once

#include <drillhost/sdk.hpp>

#include <string>
#include <vector>

namespace drillhost::drills {

struct ScratchMember {
    std::string name;
    std::string rest_url;  // its own Patroni's REST API
    std::string data_dir;
    std::string conninfo;  // libpq, as the target's superuser
};

// The hosts a scratch cluster runs on: `params.hosts`, else the target's first two. `at_least`
// fills a shorter list from the target, for a drill that needs a primary and a replica.
inline std::vector<std::string> scratch_hosts(const sdk::Host &host, const nlohmann::json &params,
                                              size_t at_least = 0) {
    std::vector<std::string> hosts = params.value("hosts", std::vector<std::string>{});
    size_t wanted = params.contains("hosts") ? at_least : 2;
    for (const auto &m : host.target().value("members", nlohmann::json::array()))
        if (hosts.size() < wanted) hosts.push_back(m.value("name", ""));
    return hosts;
}

inline std::vector<ScratchMember> scratch_members(const sdk::Host &host, const std::string &scope,
                                                  const std::vector<std::string> &hosts) {
    nlohmann::json layout = host.operate(scratch_injector, "layout", {{"scope", scope}, {"hosts", hosts}});
    std::vector<ScratchMember> members;
    for (const auto &m : layout.at("members"))
        members.push_back({m.at("name"), m.at("rest_url"), m.at("data_dir"), m.at("conninfo")});
    return members;
}

}  // namespace drillhost::drills
