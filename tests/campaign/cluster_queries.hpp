// What the kill -9 campaign asks the embedded cluster, from the root namespace, as an operator would:
// Patroni's REST API (GET only) and one value from PostgreSQL through psql. The superuser password
// comes from the sandbox's state file and reaches psql through its environment (PGPASSWORD), never
// its command line, where `ps` would show it, and never in anything this code returns.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <drillhost/sandbox/sandbox_state.hpp>
#include <filesystem>
#include <functional>
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

// Makes this process a child subreaper (PR_SET_CHILD_SUBREAPER), as kill9_campaign does: whatever
// a SIGKILLed drillhost started and left running is re-parented here, where the leftover checks
// find it. An adopted process must then be reaped as init would reap it, and at once: Patroni
// starts PostgreSQL through a helper that exits, so the postmaster is adopted too, and after a
// shutdown Patroni waits (psutil) for its pid to disappear, which a zombie never does. So a thread
// reaps every child (waitpid(-1)) and keeps the exit status of those this process spawned itself
// (spawn_child); wait_child reads it. Without the reaper (the cluster tests, where Boost.Process
// reaps its own children), wait_child uses waitpid on the pid.
void start_reaper();

// How the adopted processes the reaper reaped since the last call ended ("pid 42 (patroni): killed
// by signal 9"), for the campaign's log.
std::vector<std::string> adopted_ends();

// Runs `spawn` (which starts one process and returns its pid, or <= 0 when it could not) so that
// the reaper keeps its exit status for wait_child.
pid_t spawn_child(const std::function<pid_t()> &spawn);

// The wait status of a child from spawn_child once it has ended, waiting up to `limit`; nullopt
// while it still runs. Each child's status is read once.
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds limit);

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

// The pids in a member's network namespace (as `ip netns pids` lists them).
std::vector<pid_t> netns_pids(const std::string &netns);

// Whether a process is in that namespace, now.
bool in_netns(pid_t pid, const std::string &netns);

// A process's command line, words joined by spaces ("" when it is gone).
std::string cmdline_of(pid_t pid);

// The state letter of /proc/<pid>/stat ('R', 'S', 'T', ...; 0 when it is gone).
char state_of(pid_t pid);

}  // namespace campaign
