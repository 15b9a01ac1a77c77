// Running commands for the sandbox: short ones to completion (output captured, bounded in time)
// and services started in the background with their output appended to a log file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace drillhost::sandbox {

struct CommandResult {
    int exit_code = -1;  // 128 + signal when a signal ended it
    std::string output;  // stdout and stderr, interleaved
    bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (looked up in PATH) to completion; SIGKILLed after `timeout`.
// Throws InfraError when the program is not installed, naming the Debian package when known.
CommandResult run_command(const std::vector<std::string> &argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// As run_command, and throws InfraError "<what>: `<cmd>` exited N: <last lines>" on failure.
std::string run_checked(const std::vector<std::string> &argv, const std::string &what,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Starts a service in the background, detached from our terminal (its own session), with stdout and
// stderr appended to `log`. Returns its pid; every program in `argv` must exec the next, so the pid
// is the service's own.
pid_t start_service(const std::vector<std::string> &argv, const std::filesystem::path &log,
                    const std::map<std::string, std::string> &env = {});

// Whether `pid` is alive (a zombie is not; a dead child of ours is reaped).
bool process_alive(pid_t pid);

// The last `lines` lines of a file, for error messages.
std::string tail_of(const std::filesystem::path &file, size_t lines = 15);

// The Debian package that provides a program drillhost needs ("" when unknown).
std::string package_for(const std::string &program);

}  // namespace drillhost::sandbox
