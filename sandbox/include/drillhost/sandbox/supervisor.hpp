// Process supervision of the sandbox's services, per host: start, graceful stop, kill with a
// signal, freeze/thaw, restart, is-running, with pids tracked in the state file. This is the
// process backend the service injector uses on the embedded cluster.
#pragma once

#include <sys/types.h>
#include <drillhost/sandbox/sandbox_state.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

namespace drillhost::sandbox {

// "etcd", "patroni", "watchdog" (the FIFO monitor), and with --services "pgbouncer" and "haproxy",
// run under the supervisor; "postgres" is the postmaster Patroni manages (found through
// postmaster.pid, stopped with pg_ctl).
inline const std::vector<std::string> service_names = {"etcd",     "patroni",   "postgres",
                                                       "watchdog", "pgbouncer", "haproxy"};

class Supervisor {
  public:
    // Changes to pids are saved to the state file at `state_dir` as they happen.
    Supervisor(std::filesystem::path state_dir, SandboxState &state);

    void start(const std::string &member, const std::string &service);
    // SIGTERM (postgres: pg_ctl stop -m fast), then SIGKILL after `grace`.
    void stop(const std::string &member, const std::string &service,
              std::chrono::milliseconds grace = std::chrono::seconds(10));
    void kill(const std::string &member, const std::string &service, int signo);
    void freeze(const std::string &member, const std::string &service) { kill(member, service, SIGSTOP); }
    void thaw(const std::string &member, const std::string &service) { kill(member, service, SIGCONT); }
    void restart(const std::string &member, const std::string &service);
    bool running(const std::string &member, const std::string &service) const;
    pid_t pid(const std::string &member, const std::string &service) const;  // 0 when none

    // argv run as the cluster's OS user inside the member's host (namespace), for services and exec.
    std::vector<std::string> on_host(const Member &member, std::vector<std::string> argv,
                                     bool as_postgres) const;

  private:
    std::vector<std::string> service_argv(const Member &member, const std::string &service) const;
    void save() const;

    std::filesystem::path state_dir_;
    SandboxState &state_;
};

// Patroni's configuration for one member (JSON, which is YAML too).
std::string patroni_config(const SandboxState &state, const Member &member);

}  // namespace drillhost::sandbox
