// The writer's ledger of acknowledged commits and what it measures, as pure functions: RTO (fault to
// the first acknowledged commit after it), the longest gap between acknowledged commits (the
// unavailability window), failed commits, and the acknowledged ids a final primary does not have.
// The writer probe (libpq clients) fills the ledger; drills and tests read these numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace drillhost::probes {

struct Ack {
    uint64_t id = 0;  // the row's sequence number, unique across clients
    int client = 0;
    double t_ms = 0;        // monotonic time the COMMIT was acknowledged
    uint64_t lsn = 0;       // WAL insert position of the row (pg_current_wal_insert_lsn()), 0 unknown
    uint32_t timeline = 0;  // the primary's timeline when the client connected, 0 unknown
};

struct FailedCommit {
    int client = 0;
    double t_ms = 0;
    std::string error;
};

struct Availability {
    size_t acknowledged = 0;
    size_t failed = 0;  // failed commits after the fault (before it: in failed_before_fault)
    size_t failed_before_fault = 0;
    std::optional<double> rto_ms;     // nullopt: no commit was acknowledged after the fault
    double longest_gap_ms = 0;        // between consecutive acknowledged commits, any client
    double longest_gap_start_ms = 0;  // when that gap began (the last ack before it)
    // The probe's time resolution: intervals between consecutive acknowledged commits.
    double ack_interval_p50_ms = 0;
    double ack_interval_p99_ms = 0;
};

// `acks` and `failures` in any order; times on the same monotonic clock as `fault_ms`.
// RTO counts the first acknowledgement strictly after `fault_ms` (which may be an ack's own time);
// with `min_timeline`, the first on that timeline or a later one: after a failover, a commit the
// dying primary acknowledged a moment after the fault is not the service coming back.
Availability analyse(std::vector<Ack> acks, const std::vector<FailedCommit> &failures, double fault_ms,
                     uint32_t min_timeline = 0);

// Acknowledged ids missing from `present` (the ids the final primary holds, any order), sorted.
// Read `present` only once promotion is complete, or loss is over-reported.
std::vector<uint64_t> lost_ids(const std::vector<Ack> &acks, std::vector<uint64_t> present);

// How many of the `lost` ids were acknowledged at or after `after_ms` (e.g. once a new primary was
// promoted: with asynchronous replication an unreplicated tail may be lost, a write acknowledged by
// an old primary after the new one took over never may).
size_t acknowledged_after(const std::vector<Ack> &acks, const std::vector<uint64_t> &lost, double after_ms);

// A failover's loss held against what Patroni promises. The new timeline forks at `switch_lsn`;
// every acknowledged write lost beyond it is either (a) at or behind `published_lsn`, the position
// the old leader last published to the DCS, which Patroni compares a candidate against
// (maximum_lag_on_failover bounds it), or (b) written after that publish, which no candidate could
// be measured against (bounded in time by loop_wait, not in bytes). Bytes are counted up to the
// highest WAL position of a lost write: what the writer knows of the old timeline's end.
struct WalLoss {
    size_t writes = 0;                   // acknowledged writes lost
    uint64_t last_lost_lsn = 0;          // highest WAL position of a lost write; 0 when none is known
    uint64_t bytes = 0;                  // last_lost_lsn - switch_lsn
    size_t writes_behind_published = 0;  // (a)
    uint64_t bytes_behind_published = 0;
    size_t writes_after_published = 0;  // (b)
    uint64_t bytes_after_published = 0;
    double last_lost_ms = -1;  // when the last lost write was acknowledged (-1: none)
};

// `published_lsn` nullopt (the DCS could not be read): everything is counted in `writes`/`bytes`
// and nothing is split.
WalLoss wal_loss(const std::vector<Ack> &acks, const std::vector<uint64_t> &lost, uint64_t switch_lsn,
                 std::optional<uint64_t> published_lsn);

}  // namespace drillhost::probes
