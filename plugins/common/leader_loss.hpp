// A leader lost under write load: the shape of every drill that kills, freezes or cuts off the
// leader. The drill brings the fault and what comes after the takeover (a revival, a thaw, a heal);
// this brings the write load, the takeover watched through the other members and judged against
// the failover bound, and the writes judged against what the cluster promises.
#pragma once

#include <functional>

#include "takeover.hpp"
#include "write_watch.hpp"

namespace drillhost::drills {

class LeaderLossUnderLoad {
  public:
    // What to judge of the takeover.
    struct Expect {
        std::string check = "a new leader took over";  // the verdict's name; "" for none
        bool next_timeline = true;                     // also check the new leader's timeline
        bool report = true;                            // measure the phases (key lost, elected, promoted)
        // Polled on the takeover's clock until it returns true (watch_takeover's `also`).
        std::function<bool()> also = [] { return true; };
    };

    // Starts the write load on the leader (write_load_params), before the drill's fault.
    LeaderLossUnderLoad(const dh::Host &host, const DrillStart &start, const json &params)
        : host_(host), start_(start) {
        watch_.start(host, params, start.leader);
    }

    // Call as soon as the fault is in place: the clock starts here. Watches every other member
    // until one promotes or `bound` passes.
    const Takeover &await_takeover(const Bound &bound, const Expect &expect) {
        fault_ms_ = host_.now_ms();
        takeover_ = watch_takeover(host_, fault_ms_, start_.leader,
                                   members_except(start_.cluster, start_.leader), bound.ms, expect.also);
        const Takeover &t = takeover_;
        if (expect.report) report_takeover(host_, t);
        if (!expect.check.empty())
            host_.check(expect.check, took_over_within(t, bound),
                        t.promoted_ms >= 0 ? t.new_leader + " promoted after " + ms_text(t.promoted_ms)
                                           : "nobody promoted",
                        "<= " + bound.text());
        if (expect.next_timeline && t.promoted_ms >= 0)
            host_.check("next timeline", t.timeline == start_.timeline + 1,
                        "timeline " + std::to_string(t.timeline),
                        "timeline " + std::to_string(start_.timeline + 1));
        return t;
    }
    const Takeover &await_takeover(const Bound &bound) { return await_takeover(bound, Expect{}); }

    double fault_ms() const { return fault_ms_; }
    const Takeover &takeover() const { return takeover_; }
    // When the new leader was promoted, on the host's clock; -1 when nobody was.
    double promoted_at_ms() const {
        return takeover_.promoted_ms >= 0 ? fault_ms_ + takeover_.promoted_ms : -1;
    }

    // Stops the load (after the drill's convergence gate) and says what happened to the writes.
    WriteOutcome stop() {
        return watch_.stop(host_, fault_ms_,
                           {start_.leader, takeover_.new_leader, takeover_.timeline, promoted_at_ms()});
    }

    // stop(), then the writes judged: no write lost that was acknowledged after the promotion
    // (none at all with synchronous_mode), never two writable primaries. The RTO counts from the
    // fault, except where clients could still commit on the old primary after it (`with_rto`
    // false: a freeze, a partition).
    WriteOutcome finish(bool with_rto) {
        WriteOutcome writes = stop();
        WriteWatch::report(host_, writes,
                           {.with_rto = with_rto,
                            .zero_loss = start_.bounds.synchronous,
                            .promoted_at_ms = promoted_at_ms(),
                            .maximum_lag_on_failover = start_.bounds.maximum_lag_on_failover});
        return writes;
    }

  private:
    const dh::Host &host_;
    DrillStart start_;
    WriteWatch watch_;
    double fault_ms_ = -1;
    Takeover takeover_;
};

}  // namespace drillhost::drills
