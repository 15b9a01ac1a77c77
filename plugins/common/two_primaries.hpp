// After a fault that may leave two primaries (a frozen leader, a partitioned one): waiting until at
// most one member of the pair accepts writes, and who that is.
#pragma once

#include "drill_kit.hpp"

namespace drillhost::drills {

// True when the member answers SQL out of recovery; false when in recovery or unreachable.
inline bool writable(const dh::Host &host, const std::string &member) {
    try {
        return !sql_status(host, member).value("in_recovery", true);
    } catch (const dh::Error &e) {
        if (e.status() == DH_ERR_CANCELLED) throw;
        return false;
    }
}

struct Resolution {
    double ms = -1;      // since `since_ms`, until at most one of the pair was writable
    std::string winner;  // the writable one then, "" if neither
};

inline Resolution resolve_pair(const dh::Host &host, const std::string &a, const std::string &b,
                               double since_ms, double bound_ms) {
    Resolution r;
    r.ms = wait_until(host, since_ms, bound_ms, [&] {
        bool wa = writable(host, a), wb = writable(host, b);
        r.winner = wa && !wb ? a : wb && !wa ? b : "";
        return !(wa && wb);
    });
    return r;
}

}  // namespace drillhost::drills
