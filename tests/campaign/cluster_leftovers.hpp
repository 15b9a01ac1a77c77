// What a drill killed with SIGKILL may leave behind once `drillhost recover` has run: each check
// compares the cluster and the machine with a baseline taken while they were clean, and says what
// differs as one human-readable line ("pg-2: WAL replay is paused"). An empty list is a clean trial.
#pragma once

#include <sys/types.h>

#include <drillhost/sandbox/sandbox_state.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace campaign {

namespace sb = drillhost::sandbox;

struct Baseline {
    nlohmann::json dynamic_config;                   // GET /config
    std::map<std::string, std::string> patroni_yml;  // member -> the file's bytes
    // Per member, "pg-1: patroni <config>", "pg-1: etcd --name=pg-1", "pg-1: postgres -D <data>":
    // a multiset, so a duplicated Patroni (two for one member) counts.
    std::multiset<std::string> services;
    // Processes outside the members' namespaces that a run may leave (see outside_processes).
    std::map<pid_t, std::string> outside;
    std::set<std::string> tmp_files;     // /tmp/drillhost* and $TMPDIR/* (see tmp_files_now)
    std::set<std::string> member_files;  // "pg-1/<name>": drillhost's own files in member dirs
};

// The service processes in every member's namespace, named as in Baseline::services.
std::multiset<std::string> service_processes(const sb::SandboxState &state);

// Processes outside the members' namespaces that a drillhost run may leave, by pid with their
// command line: any process whose command line names the state directory (a drillhost, a
// watchdog monitor), any pgbench, and any process re-parented to this one (a child subreaper:
// whatever a SIGKILLed drillhost started). This process and its ancestors aside.
std::map<pid_t, std::string> outside_processes(const sb::SandboxState &state,
                                               const std::filesystem::path &state_dir);

// Reads everything a Baseline holds; throws std::runtime_error when the cluster does not answer.
Baseline take_baseline(const sb::SandboxState &state, const std::filesystem::path &state_dir);

struct LeftoverOptions {
    std::filesystem::path state_dir;  // for the ledger and the cluster locks
    // Whether the cluster converged: when it did not (a split brain Patroni 3.0.2 cannot heal),
    // the checks that need a working cluster (service processes, WAL replay) are skipped.
    bool converged = true;
};

// `text` with the sandbox's passwords replaced by *** (and drillhost's own redaction): every
// line the campaign prints goes through it.
std::string scrub(const sb::SandboxState &state, std::string text);

// Every leftover found, one line each; empty when the trial left nothing.
std::vector<std::string> find_leftovers(const sb::SandboxState &state, const Baseline &baseline,
                                        const LeftoverOptions &options);

// The checks one by one (find_leftovers runs them all), each appending lines to `found`.
void check_iptables(const sb::SandboxState &state, std::vector<std::string> &found);
void check_stopped_processes(const sb::SandboxState &state, std::vector<std::string> &found);
void check_services(const sb::SandboxState &state, const Baseline &baseline, std::vector<std::string> &found);
void check_processes_left(const sb::SandboxState &state, const Baseline &baseline,
                          const std::filesystem::path &state_dir, std::vector<std::string> &found);
void check_replay_paused(const sb::SandboxState &state, std::vector<std::string> &found);
void check_dynamic_config(const sb::SandboxState &state, const Baseline &baseline,
                          std::vector<std::string> &found);
void check_patroni_yml(const sb::SandboxState &state, const Baseline &baseline,
                       std::vector<std::string> &found);
void check_member_files(const sb::SandboxState &state, const Baseline &baseline,
                        std::vector<std::string> &found);
void check_state_dir(const std::filesystem::path &state_dir, std::vector<std::string> &found);
void check_tmp_files(const Baseline &baseline, std::vector<std::string> &found);

}  // namespace campaign
