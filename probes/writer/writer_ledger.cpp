#include "writer_ledger.hpp"

#include <algorithm>

namespace drillhost::probes {

Availability analyse(std::vector<Ack> acks, const std::vector<FailedCommit> &failures, double fault_ms,
                     uint32_t min_timeline) {
    Availability result;
    result.acknowledged = acks.size();
    for (const auto &f : failures) (f.t_ms >= fault_ms ? result.failed : result.failed_before_fault)++;
    std::sort(acks.begin(), acks.end(), [](const Ack &a, const Ack &b) { return a.t_ms < b.t_ms; });
    std::vector<double> intervals;
    for (size_t i = 0; i < acks.size(); ++i) {
        bool on_new_primary = min_timeline == 0 || acks[i].timeline == 0 || acks[i].timeline >= min_timeline;
        if (!result.rto_ms && acks[i].t_ms > fault_ms && on_new_primary)
            result.rto_ms = acks[i].t_ms - fault_ms;
        if (i == 0) continue;
        intervals.push_back(acks[i].t_ms - acks[i - 1].t_ms);
        if (intervals.back() > result.longest_gap_ms) {
            result.longest_gap_ms = intervals.back();
            result.longest_gap_start_ms = acks[i - 1].t_ms;
        }
    }
    if (!intervals.empty()) {
        std::sort(intervals.begin(), intervals.end());
        result.ack_interval_p50_ms = intervals[(intervals.size() - 1) / 2];
        result.ack_interval_p99_ms = intervals[(intervals.size() - 1) * 99 / 100];
    }
    return result;
}

std::vector<uint64_t> lost_ids(const std::vector<Ack> &acks, std::vector<uint64_t> present) {
    std::sort(present.begin(), present.end());
    std::vector<uint64_t> lost;
    for (const auto &ack : acks)
        if (!std::binary_search(present.begin(), present.end(), ack.id)) lost.push_back(ack.id);
    std::sort(lost.begin(), lost.end());
    return lost;
}

size_t acknowledged_after(const std::vector<Ack> &acks, const std::vector<uint64_t> &lost, double after_ms) {
    size_t count = 0;
    for (const auto &ack : acks)
        if (ack.t_ms >= after_ms && std::binary_search(lost.begin(), lost.end(), ack.id)) ++count;
    return count;
}

WalLoss wal_loss(const std::vector<Ack> &acks, const std::vector<uint64_t> &lost, uint64_t switch_lsn,
                 std::optional<uint64_t> published_lsn) {
    WalLoss loss;
    for (const auto &ack : acks) {
        if (!std::binary_search(lost.begin(), lost.end(), ack.id)) continue;
        ++loss.writes;
        loss.last_lost_ms = std::max(loss.last_lost_ms, ack.t_ms);
        loss.last_lost_lsn = std::max(loss.last_lost_lsn, ack.lsn);
        if (published_lsn)
            (ack.lsn <= *published_lsn ? loss.writes_behind_published : loss.writes_after_published)++;
    }
    if (loss.last_lost_lsn > switch_lsn) loss.bytes = loss.last_lost_lsn - switch_lsn;
    if (published_lsn && loss.bytes > 0) {
        uint64_t split = std::clamp(*published_lsn, switch_lsn, loss.last_lost_lsn);
        loss.bytes_behind_published = split - switch_lsn;
        loss.bytes_after_published = loss.last_lost_lsn - split;
    }
    return loss;
}

}  // namespace drillhost::probes
