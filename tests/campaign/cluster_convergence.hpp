// Whether the cluster healed after a trial: one leader; every other member running and streaming
// from it on the same timeline, its lag within maximum_lag_on_failover (what the next drill's
// pre-flight asks); not paused; and all of that for 2 x loop_wait in a row with the same leader, so
// a late takeover (a resumed Patroni writing the leader key back) is not missed.
#pragma once

#include <chrono>
#include <drillhost/sandbox/sandbox_state.hpp>
#include <string>

namespace campaign {

namespace sb = drillhost::sandbox;

struct Convergence {
    bool converged = false;
    double seconds = 0;  // how long it took, or how long it was given
    double bound_s = 0;  // 3 x (ttl + 2 x loop_wait + retry_timeout), from GET /config
    std::string leader;  // when converged
    std::string reason;  // when not: the last thing that was wrong, and the members as /cluster shows them
};

// "" when the cluster is healthy right now, else what is not (and the leader's name in `leader`).
std::string health_problem(const sb::SandboxState &state, std::string &leader);

// The members as GET /cluster shows them: "pg-1 leader running TL 3; pg-2 replica streaming TL 3".
std::string members_summary(const sb::SandboxState &state);

// Waits for convergence, bounded by the cluster's own timing: 3 x (ttl + 2 x loop_wait +
// retry_timeout), read from GET /config (the sandbox's options when no member answers it).
Convergence await_convergence(const sb::SandboxState &state);

}  // namespace campaign
