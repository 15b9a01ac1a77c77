// Turns SIGINT/SIGTERM into calls on a normal thread, where it is safe to lock and log.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace drillhost::cli {

class SignalForwarder {
  public:
    // Blocks SIGINT and SIGTERM in the calling thread and every thread it starts later.
    // Call at the top of main, before any thread exists.
    static void block_signals();
    // Restores their default action (terminate) in the calling thread.
    static void unblock_signals();

    // `on_signal(signo, count)`: count is 1 for the first signal received, 2 for the second...
    explicit SignalForwarder(std::function<void(int signo, int count)> on_signal);
    ~SignalForwarder();

  private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace drillhost::cli
