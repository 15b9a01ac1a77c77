// Runs the real drillhost binary as a user would, with Boost.Process.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

struct Finished {
    int exit_code = -1;  // when it exited
    int signal = 0;      // when a signal ended it
    std::string out;
    std::string err;
};

// A drillhost process running in the background; its output goes to files read at the end.
class DrillhostProcess {
  public:
    DrillhostProcess(const std::vector<std::string> &args, const std::filesystem::path &work_dir);
    // Another program, run the same way (a parser a test checks drillhost's output with).
    DrillhostProcess(const std::string &program, const std::vector<std::string> &args,
                     const std::filesystem::path &work_dir);
    ~DrillhostProcess();  // kills it if still running
    int pid() const;
    void send(int signo) const;
    // Waits up to `limit` (then SIGKILLs it) and returns how it ended.
    Finished wait(std::chrono::milliseconds limit = std::chrono::seconds(60));

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Runs drillhost to completion.
Finished run_drillhost(const std::vector<std::string> &args, const std::filesystem::path &work_dir,
                       std::chrono::milliseconds limit = std::chrono::seconds(60));

// Runs another program to completion.
Finished run_program(const std::string &program, const std::vector<std::string> &args,
                     const std::filesystem::path &work_dir,
                     std::chrono::milliseconds limit = std::chrono::seconds(60));

// Polls `condition` every 10 ms for up to `limit`; returns whether it became true.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(10));

#include <thread>
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}
