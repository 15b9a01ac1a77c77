// The write load every disruptive drill runs under, and what it tells at the end: the writer probe
// (acknowledged commits, RTO, longest gap, lost ids read from the promoted primary) and the
// split-brain sampler (windows with two writable primaries).
#pragma once

#include "drill_kit.hpp"

namespace drillhost::drills {

struct WriteOutcome {
    json writes;   // writer stop: acknowledged, rto_ms, longest_gap_ms, failed_commits, ...
    json verify;   // writer verify: lost, lost_ids, primary
    json overlap;  // split-brain stop: split_brain, overlap_total_ms, overlaps
    double rto_ms() const {
        return writes.value("rto_ms", json()).is_number() ? writes["rto_ms"].get<double>() : -1;
    }
    long lost() const { return verify.value("lost", -1L); }
    // Lost writes acknowledged once the new primary was promoted (-1: not asked).
    long lost_after() const {
        return verify.value("lost_after", json()).is_number() ? verify["lost_after"].get<long>() : -1;
    }
    bool split_brain() const { return overlap.value("split_brain", true); }
    double overlap_ms() const { return overlap.value("overlap_total_ms", 0.0); }
};

inline std::string first_ids(const json &ids, size_t count = 10) {
    std::string text;
    for (size_t i = 0; i < ids.size() && i < count; ++i) text += (i ? ", " : "") + ids[i].dump();
    return ids.size() > count ? text + ", ..." : text;
}

// The write load's parameters, declared once with one default for every drill that runs one: a
// drill's schema is dh::params_schema<its own properties, write_load_params>.
inline constexpr dh::Properties write_load_params{R"json(
    "writer_rate_hz": {"type": "number", "minimum": 1, "default": 200, "description": "commits per second per writer client"},
    "settle_s": {"type": "number", "minimum": 0, "default": 2, "description": "seconds of write load before the fault"})json"};

class WriteWatch {
  public:
    // Starts both on `leader`'s cluster and lets them run params.settle_s before the fault, at
    // params.writer_rate_hz per writer client (write_load_params; the host filled the defaults in).
    void start(const dh::Host &host, const json &params, const std::string &leader) {
        host.phase("write load on " + leader);
        host.operate(writer_probe, "start", {{"rate_hz", params.at("writer_rate_hz")}});
        host.operate(split_brain_probe, "start");
        host.sleep(std::chrono::milliseconds(static_cast<long>(1000 * params.at("settle_s").get<double>())));
    }

    // Stops both; RTO counts from `fault_ms`. Lost ids are read once a primary is out of recovery;
    // with `promoted_at_ms` (host clock) those acknowledged after it are counted apart.
    WriteOutcome stop(const dh::Host &host, double fault_ms, double promoted_at_ms = -1) {
        WriteOutcome out;
        out.writes = host.operate(writer_probe, "stop", {{"fault_ms", fault_ms}});
        out.overlap = host.operate(split_brain_probe, "stop");
        json verify = json::object();
        if (promoted_at_ms >= 0) verify["after_ms"] = promoted_at_ms;
        out.verify = host.operate(writer_probe, "verify", verify);
        return out;
    }

    // The numbers every such drill reports, and the two checks that hold for all of them.
    // What loss the cluster promises. A planned change, or any change with synchronous_mode, loses
    // no acknowledged commit. An unplanned failover with asynchronous replication may lose the tail
    // the new primary had not received (Patroni bounds it with maximum_lag_on_failover), but never a
    // commit acknowledged after the new primary took over: that is a second primary's write.
    struct Promise {
        bool with_rto = true;   // false where writes go on after the fault (planned, partition, freeze)
        bool zero_loss = true;  // planned, or synchronous_mode
        double promoted_at_ms = -1;
    };

    static void report(const dh::Host &host, const WriteOutcome &o, const Promise &promise) {
        if (promise.with_rto && o.rto_ms() >= 0) host.measure("rto", o.rto_ms(), "ms");
        host.measure("unavailability", o.writes.value("longest_gap_ms", 0.0), "ms");
        host.measure("acknowledged_writes", o.writes.value("acknowledged", 0), "count");
        host.measure("failed_commits", o.writes.value("failed_commits", 0), "count");
        host.measure("lost_writes", static_cast<double>(o.lost()), "count");
        host.measure("split_brain", o.overlap_ms(), "ms");
        std::string lost_text =
            std::to_string(o.lost()) + " of " + std::to_string(o.verify.value("acknowledged", 0)) +
            (o.lost() > 0 ? " (first ids " + first_ids(o.verify.value("lost_ids", json::array())) + ")" : "");
        if (promise.zero_loss || promise.promoted_at_ms < 0) {
            host.check("no acknowledged write lost", o.lost() == 0, lost_text, "0");
        } else {
            host.measure("lost_after_promotion", static_cast<double>(o.lost_after()), "count");
            host.check("no write lost that was acknowledged after the promotion", o.lost_after() == 0,
                       std::to_string(o.lost_after()) + " (all lost: " + lost_text + ")",
                       "0; asynchronous replication may lose the unreplicated tail before it");
        }
        host.check("never two writable primaries", !o.split_brain(), ms_text(o.overlap_ms()) + " of overlap",
                   "0 ms");
    }
};

}  // namespace drillhost::drills
