#include "writer_evidence.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>

namespace drillhost::probes {

namespace {

nlohmann::json lsn_or_null(uint64_t lsn) {
    return lsn ? nlohmann::json(format_lsn(lsn)) : nlohmann::json(nullptr);
}

double rounded(double ms) {
    return std::round(ms * 10) / 10;  // 0.1 ms: the clock's useful resolution here, and short lines
}

}  // namespace

nlohmann::json writer_series(const std::vector<Ack> &unsorted, const std::vector<FailedCommit> &failures,
                             double start_ms, double end_ms, double bucket_ms) {
    std::vector<Ack> acks = unsorted;
    std::sort(acks.begin(), acks.end(), [](const Ack &a, const Ack &b) { return a.t_ms < b.t_ms; });
    size_t count = end_ms > start_ms ? static_cast<size_t>(std::ceil((end_ms - start_ms) / bucket_ms)) : 0;
    struct Bucket {
        uint64_t acknowledged = 0, failed = 0, first_lsn = 0, last_lsn = 0;
        double max_gap_ms = 0;
    };
    std::vector<Bucket> buckets(count);
    auto index_of = [&](double t_ms) -> std::optional<size_t> {
        if (t_ms < start_ms || count == 0) return std::nullopt;
        return std::min(count - 1, static_cast<size_t>((t_ms - start_ms) / bucket_ms));
    };
    double previous = start_ms;
    for (const auto &ack : acks) {
        auto i = index_of(ack.t_ms);
        double gap = ack.t_ms - previous;
        previous = std::max(previous, ack.t_ms);
        if (!i) continue;
        Bucket &b = buckets[*i];
        ++b.acknowledged;
        b.max_gap_ms = std::max(b.max_gap_ms, gap);
        if (ack.lsn) {
            if (!b.first_lsn) b.first_lsn = ack.lsn;
            b.last_lsn = ack.lsn;
        }
    }
    for (const auto &f : failures)
        if (auto i = index_of(f.t_ms)) ++buckets[*i].failed;
    // A bucket without an acknowledgement: the gap so far, at its end.
    double last_ack = start_ms;
    size_t next_ack = 0;
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < count; ++i) {
        double bucket_start = start_ms + static_cast<double>(i) * bucket_ms;
        double bucket_end = std::min(end_ms, bucket_start + bucket_ms);
        while (next_ack < acks.size() && acks[next_ack].t_ms < bucket_end) last_ack = acks[next_ack++].t_ms;
        Bucket &b = buckets[i];
        if (b.acknowledged == 0) b.max_gap_ms = bucket_end - last_ack;
        rows.push_back({rounded(bucket_start), b.acknowledged, b.failed, rounded(b.max_gap_ms),
                        lsn_or_null(b.first_lsn), lsn_or_null(b.last_lsn)});
    }
    return {{"version", writer_evidence_version},
            {"bucket_ms", bucket_ms},
            {"start_ms", rounded(start_ms)},
            {"end_ms", rounded(end_ms)},
            {"columns", {"t_ms", "acknowledged", "failed", "max_gap_ms", "first_lsn", "last_lsn"}},
            {"buckets", rows}};
}

nlohmann::json writer_wal(const std::vector<Ack> &unsorted) {
    std::vector<Ack> acks = unsorted;
    std::sort(acks.begin(), acks.end(), [](const Ack &a, const Ack &b) { return a.t_ms < b.t_ms; });
    std::vector<uint32_t> order;
    std::map<uint32_t, std::pair<const Ack *, const Ack *>> ends;
    std::map<uint32_t, uint64_t> counts;
    // With several clients, the commit acknowledged last is not always the one written last: the WAL
    // a failover loses on a timeline ends at the highest LSN acknowledged on it.
    std::map<uint32_t, uint64_t> highest;
    for (const auto &ack : acks) {
        auto [it, fresh] = ends.try_emplace(ack.timeline, &ack, &ack);
        if (fresh) order.push_back(ack.timeline);
        it->second.second = &ack;
        ++counts[ack.timeline];
        highest[ack.timeline] = std::max(highest[ack.timeline], ack.lsn);
    }
    auto commit = [](const Ack *a) {
        return nlohmann::json{{"id", a->id}, {"t_ms", rounded(a->t_ms)}, {"lsn", lsn_or_null(a->lsn)}};
    };
    nlohmann::json timelines = nlohmann::json::array();
    for (uint32_t timeline : order)
        timelines.push_back({{"timeline", timeline ? nlohmann::json(timeline) : nlohmann::json(nullptr)},
                             {"acknowledged", counts[timeline]},
                             {"first", commit(ends[timeline].first)},
                             {"last", commit(ends[timeline].second)},
                             {"highest_lsn", lsn_or_null(highest[timeline])}});
    return {{"version", writer_evidence_version}, {"timelines", timelines}};
}

}  // namespace drillhost::probes
