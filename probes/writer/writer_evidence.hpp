// The writer's evidence for the journal, as pure functions: what each 100 ms of a run looked like
// (acknowledged and failed commits, the longest gap, the first and last WAL position), and for each
// timeline the first and last acknowledged commit with its WAL position. Small enough for the
// journal (a few numbers per 100 ms, whatever the commit rate), enough to draw the run or to hold
// its lost WAL against what Patroni promises. Format: docs/ledger.md, "The writer's evidence".
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lsn.hpp"  // parse_lsn, format_lsn
#include "writer_ledger.hpp"

namespace drillhost::probes {

// The version of the "writer.series" and "writer.wal" journal events; a reader checks it.
constexpr int writer_evidence_version = 1;

// One event's details: per bucket of `bucket_ms` from `start_ms` to `end_ms`, as rows of
// [t_ms, acknowledged, failed, max_gap_ms, first_lsn, last_lsn] ("columns" names them). max_gap_ms
// is the longest interval between consecutive acknowledged commits (any client) that ends in the
// bucket, or, for a bucket with none, the time since the last one at the bucket's end: an outage
// shows as a climbing gap. LSNs are text ("0/3000060"), null when no commit in the bucket knew its.
nlohmann::json writer_series(const std::vector<Ack> &acks, const std::vector<FailedCommit> &failures,
                             double start_ms, double end_ms, double bucket_ms = 100);

// Per timeline (in order of first acknowledgement): acknowledged, and the first and last
// acknowledged commit as {id, t_ms, lsn}.
nlohmann::json writer_wal(const std::vector<Ack> &acks);

}  // namespace drillhost::probes
