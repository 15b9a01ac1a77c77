// What the kill -9 campaign asks the embedded cluster, from the root namespace, as an operator would:
// Patroni's REST API (GET only) and one value from PostgreSQL through psql. The superuser password
// comes from the sandbox's state file and reaches psql through its environment (PGPASSWORD), never
// its command line, where `ps` would show it, and never in anything this code returns.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <drillhost/sandbox/sandbox_state.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace campaign {

namespace sb = drillhost::sandbox;

struct Ran {
    int exit_code = -1;  // 128 + signal when a signal ended it; -1 when it could not start
    std::string out;
    std::string err;
    bool timed_out = false;
};

// Runs argv (argv[0] looked up in PATH) with stdin from /dev/null and `env` added to ours; SIGKILLs
// it after `limit`. Never throws.
Ran run_program(const std::vector<std::string> &argv, std::chrono::milliseconds limit,
                const std::map<std::string, std::string> &env = {});

// Processes spawned by this one that it waits for itself: the reaper of orphans (see
// reap_adopted_zombies) leaves them alone.
void own_child(pid_t pid, bool add);

// This process is a child subreaper (kill9_campaign sets it): whatever a SIGKILLed drillhost leaves
// running is re-parented here, so it can be found (children_left) and, once dead, reaped here.
void reap_adopted_zombies();

// A reply from Patroni's REST API: the body parsed, or nullopt when the member did not answer with
// JSON (stopped, frozen, cut off).
std::optional<nlohmann::json> patroni_get(const sb::SandboxState &state, const sb::Member &member,
                                          const std::string &path,
                                          std::chrono::milliseconds limit = std::chrono::seconds(2));

// GET `path` from the first member that answers; nullopt when none does.
std::optional<nlohmann::json> patroni_get_any(const sb::SandboxState &state, const std::string &path);

// One value (first column of the first row, as psql -At prints it) from `sql` on `member`, as the
// superuser over TCP. nullopt on any failure, with psql's message (which holds no password) in `error`.
std::optional<std::string> psql_value(const sb::SandboxState &state, const sb::Member &member,
                                      const std::string &sql, std::string *error = nullptr);

// The pids in a member's network namespace (`ip netns pids`).
std::vector<pid_t> netns_pids(const std::string &netns);

// A process's command line, words joined by spaces ("" when it is gone).
std::string cmdline_of(pid_t pid);

// The state letter of /proc/<pid>/stat ('R', 'S', 'T', ...; 0 when it is gone).
char state_of(pid_t pid);

}  // namespace campaign
