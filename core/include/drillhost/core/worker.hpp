// Worker processes: where drills and reverts run when a crash in a plugin must not take the caller
// with it. The worker is the caller's own program re-executed with `worker_argument` (never a fork
// without exec); it loads the same plugins, runs one drill or one revert, and reports back over a
// pipe. The fault ledger stays the one record of what is open: the worker appends to it through a
// descriptor it inherits (and so shares the run's lock), and the parent reads it back afterwards.
//
// A program that embeds the core and wants isolation calls worker_main() first thing in main():
//
//     int main(int argc, char **argv) {
//         if (drillhost::is_worker_invocation(argc, argv)) return drillhost::worker_main();
//         ...
//     }
//
// and gives the Runner (RunnerOptions::worker_command) and recover() self_worker_command().
#pragma once

#include <string>
#include <vector>

namespace drillhost {

// argv[1] of a worker process. Not an option a person types: `drillhost --help` does not list it.
inline constexpr const char *worker_argument = "__drillhost-worker";

// This very program in worker mode: {"/proc/self/exe", worker_argument}.
std::vector<std::string> self_worker_command();

bool is_worker_invocation(int argc, char **argv);

// Runs the job its parent writes to standard input and returns the process's exit status. It never
// returns to a caller that could go on with plugin state it does not trust: a worker is run once.
int worker_main();

}  // namespace drillhost
