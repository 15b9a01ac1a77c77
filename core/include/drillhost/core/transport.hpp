// Transports: how drillhost runs a command on one host of the target. A transport is a JSON object
// so it can be written to the fault ledger and used again by `drillhost recover` in another process:
//   {"kind": "local"}
//   {"kind": "netns", "netns": "dh-pg-1"}                 a host of the embedded cluster
//   {"kind": "ssh", "host": "db1", "user": "root", "port": 22, "key": "~/.ssh/id", "known_hosts": "..."}
// ssh is the OpenSSH client in BatchMode: never a password prompt; a host key it does not know is
// refused unless the target says otherwise.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace drillhost {

struct ExecResult {
    int exit_code = -1;  // -1 when a signal ended it or it timed out
    int signal = 0;      // the signal that ended it, if one did
    bool timed_out = false;
    std::string out;  // stdout
    std::string err;  // stderr
    bool ok() const { return exit_code == 0 && !timed_out; }
    nlohmann::json to_json() const;
};

// The transport of the target's member (or host) named `host`: its own "transport" object when it
// has one; a member with a "netns" runs there; "local" for the names local and localhost; else ssh
// to its address with the target's "ssh" defaults. Throws UsageError naming the known hosts.
nlohmann::json transport_for(const nlohmann::json &target, const std::string &host);

// Runs argv on the transport's host, stdin closed. The command is killed after `timeout` (on the
// remote side too: it runs under timeout(1) there). Throws UsageError for a malformed transport;
// a command that cannot be started locally (ssh or ip missing) throws InfraError naming the package.
ExecResult exec_on(const nlohmann::json &transport, const std::vector<std::string> &argv,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

// "ssh root@db1:22", "netns dh-pg-1", "local": for messages.
std::string describe_transport(const nlohmann::json &transport);

// A string the POSIX shell reads back as exactly `word`.
std::string shell_quote(const std::string &word);

}  // namespace drillhost
