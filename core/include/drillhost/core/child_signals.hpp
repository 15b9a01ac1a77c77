// Children start with default signal handling: `run` blocks SIGINT and SIGTERM in every thread (a
// thread waits for them), a background shell ignores SIGINT, and both survive exec. A service or
// command that ignored SIGTERM could only ever be SIGKILLed. Shared by the core and the sandbox.
#pragma once

#include <signal.h>

#include <boost/process/extend.hpp>

namespace drillhost {

struct DefaultSignals : boost::process::extend::handler {
    template <class Executor>
    void on_exec_setup(Executor &) const {
        for (int signo : {SIGINT, SIGTERM, SIGQUIT, SIGHUP}) ::signal(signo, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
    }
};

}  // namespace drillhost
