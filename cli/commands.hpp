// The drillhost subcommands. Each returns the process exit code (see exit_codes.hpp).
#pragma once

#include "cli_context.hpp"
#include "report_files.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace drillhost::cli {

struct ListOptions {
    std::string kind;  // "", "drill", "injector" or "probe"
};
int list_command(const GlobalOptions &global, const ListOptions &options);

int describe_command(const GlobalOptions &global, const std::string &id);

struct RunOptions {
    std::vector<std::string> drills;
    bool all = false;
    std::vector<std::string> params;  // "key=value" or "drill.id:key=value"
    std::string target;               // a YAML or JSON file describing the target
    double timeout_s = 600;
    double grace_s = 10;
    std::string journal;
    std::string report;        // also write the JSON summary to this file
    ReportFiles report_files;  // and these, rendered from the journal
    bool keep_sandbox = false;
    int repeat = 1;  // each drill this many times in a row; the summary gives the spread
};
int run_command(const GlobalOptions &global, const RunOptions &options);

struct RecoverOptions {
    bool dry_run = false;             // say what would be reverted, change nothing
    std::vector<std::string> forget;  // ledgers dealt with by hand: moved to ledger/forgotten/
};
int recover_command(const GlobalOptions &global, const RecoverOptions &options);

struct ProbeOptions {
    std::string probe;      // id or short name
    std::string operation;  // one of its operations; "" = the first
    std::vector<std::string> params;
    std::string target;
};
int probe_command(const GlobalOptions &global, const ProbeOptions &options);

struct InjectOptions {
    std::string injector;  // id or short name
    std::string host;      // shorthand for --param host=...
    std::vector<std::string> params;
    std::string target;
};
int inject_command(const GlobalOptions &global, const InjectOptions &options);

// The cluster as Patroni's REST API says (the cluster-status view): a patronictl-style table.
int status_command(const GlobalOptions &global, const std::string &target);

// The VALUE of one NAME=VALUE: JSON when it parses (UsageError when nested deeper than the JSON
// depth limit), else the text as a string.
nlohmann::json parse_cli_value(const std::string &assignment);
// NAME=VALUE strings (VALUE may be JSON) as one object.
nlohmann::json parse_cli_params(const std::vector<std::string> &params);

}  // namespace drillhost::cli
