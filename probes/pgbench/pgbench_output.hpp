// pgbench's output, as pure functions: the `-P` progress lines (stderr), the end-of-run summary
// (stdout), the lines that say a client aborted, and the exit status. Lines are fed one at a time
// as they arrive, so a drill sees the series while pgbench runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace drillhost::probes::pgbench {

// "progress: 2.0 s, 542.2 tps, lat 3.689 ms stddev 1.911, 0 failed[, lag 0.1 ms][, 0 skipped]..."
struct Progress {
    double elapsed_s = 0;  // pgbench's own clock (or a Unix time with --progress-timestamp)
    double tps = 0;
    double latency_ms = 0;
    double stddev_ms = 0;          // NaN when the interval had no transaction
    long failed = 0;               // PostgreSQL 15 and later; 0 before
    std::optional<double> lag_ms;  // with --rate
    std::optional<long> skipped;   // with --rate and --latency-limit
    std::optional<long> retried;   // with --max-tries other than 1
};
std::optional<Progress> parse_progress(std::string_view line);

// The "key: value" / "key = value" report pgbench prints when it ends by itself.
struct Summary {
    std::string transaction_type;
    std::optional<long> transactions;
    std::optional<long> failed;
    std::optional<double> latency_avg_ms;
    std::optional<double> latency_stddev_ms;
    std::optional<double> initial_connection_ms;
    std::optional<double> tps;
    bool complete() const { return transactions && tps; }
};
// Returns whether the line was part of the summary.
bool read_summary_line(std::string_view line, Summary &summary);

// "pgbench: error: client 0 script 0 aborted in command 1 query 0: FATAL: ..." and the PG 14 form.
bool is_client_abort(std::string_view line);
bool is_error(std::string_view line);

// A wait(2) status decoded: the exit code or the signal, and what pgbench means by it.
struct ExitStatus {
    std::optional<int> code;
    std::optional<int> signal;
    std::string meaning;
};
ExitStatus decode_exit(int wait_status);

}  // namespace drillhost::probes::pgbench
