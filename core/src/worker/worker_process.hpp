// The parent's side of one worker process (worker.hpp): started with Boost.Process (fork and exec,
// never fork alone), in a process group of its own so that what it started goes with it, with the
// signals the run blocks unblocked again. Internal to the core.
#pragma once

#include "worker_protocol.hpp"

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace drillhost::worker {

class WorkerProcess {
  public:
    // Starts `command` with `job` as the first line of its standard input and `ledger_fd` (or -1)
    // as its descriptor 4. Throws InfraError naming the command when it cannot start.
    WorkerProcess(const std::vector<std::string> &command, const nlohmann::json &job, int ledger_fd);
    // Kills what is left of the worker's process group and reaps the worker.
    ~WorkerProcess();
    WorkerProcess(const WorkerProcess &) = delete;
    WorkerProcess &operator=(const WorkerProcess &) = delete;

    // The next message, waiting up to `wait`; nullopt when none came in time or the worker closed its
    // end. Throws InfraError for a line that is not a JSON object within the depth limit, or too long.
    std::optional<nlohmann::json> next_message(std::chrono::milliseconds wait);
    bool channel_closed() const { return reader_.closed(); }

    // Asks the worker to stop (its drill sees is_cancelled); best effort.
    void cancel(const std::string &reason);
    // SIGKILL to the worker and everything in its process group.
    void kill();
    // Whether the worker has ended; reaps it when it has (and kills what is left of its group).
    bool ended();
    // How it ended, once ended(): "killed by SIGSEGV (Segmentation fault)", "exited with status 3".
    std::string how_it_ended() const;
    // It ended by a signal, or with a status other than 0.
    bool ended_abnormally() const;

  private:
    struct Child;
    std::unique_ptr<Child> child_;
    int control_fd_ = -1;  // our end of its standard input
    int channel_fd_ = -1;  // our end of its standard output
    LineReader reader_{-1};
    std::optional<int> raw_status_;  // waitpid status once reaped
};

}  // namespace drillhost::worker
