// Target files from what users already have: a Pigsty inventory (pigsty.yml) or Patroni's own
// config files. Pure functions from the parsed file to a target (docs/transports.md): they write only
// what the files say, with Pigsty's or Patroni's defaults for what they leave out, and never connect
// to the addresses they name. A value of the wrong type or an unknown choice is a UsageError naming
// the file and the key.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace drillhost::cli {

// How drillhost reaches the hosts over ssh; the inventory's admin user (node_admin_username, with
// passwordless sudo) unless given.
struct SshChoice {
    std::string user;  // "" = the inventory's admin user (Pigsty's default: dba)
    std::string key;   // "" = ssh's own default identity
    std::string known_hosts;
};

// The cluster `cluster` (a group under all.children) of a Pigsty inventory. `where` names the file.
nlohmann::json target_from_pigsty(const nlohmann::json &inventory, const std::string &cluster,
                                  const std::string &where, const SshChoice &ssh = {});

// One member per patroni.yml (a node's own config), all of one scope. `where` names each file.
nlohmann::json target_from_patroni_configs(const std::vector<nlohmann::json> &configs,
                                           const std::vector<std::string> &where, const SshChoice &ssh = {});

// The target as YAML, every string double-quoted (a password "12345" stays a string).
std::string target_yaml(const nlohmann::json &target, const std::string &header);

}  // namespace drillhost::cli
