// A cancellation flag with a reason that sleepers wake up on (timeout, SIGINT, SIGTERM).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace drillhost {

class Cancellation {
  public:
    // The first reason wins; later calls change nothing. Safe from any thread (not from a signal
    // handler: the CLI forwards signals from a sigwait thread).
    void cancel(const std::string &reason);
    bool cancelled() const;
    std::string reason() const;

    // Sleeps up to `duration` (any length: long sleeps wait in pieces, no clock overflows); returns
    // false when woken by cancellation.
    bool sleep_for(std::chrono::milliseconds duration) const;

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable wake_;
    bool cancelled_ = false;
    std::string reason_;
};

}  // namespace drillhost
