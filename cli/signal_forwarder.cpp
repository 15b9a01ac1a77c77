#include "signal_forwarder.hpp"

#include <signal.h>

#include <ctime>

namespace drillhost::cli {

static sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

void SignalForwarder::block_signals() {
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void SignalForwarder::unblock_signals() {
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

SignalForwarder::SignalForwarder(std::function<void(int, int)> on_signal)
    : thread_([this, on_signal = std::move(on_signal)] {
          sigset_t set = stop_signals();
          int count = 0;
          while (!stop_) {
              timespec poll{0, 200'000'000};  // wake up now and then to notice stop_
              int signo = sigtimedwait(&set, nullptr, &poll);
              if (signo > 0) on_signal(signo, ++count);
          }
      }) {}

SignalForwarder::~SignalForwarder() {
    stop_ = true;
    thread_.join();
}

}  // namespace drillhost::cli
