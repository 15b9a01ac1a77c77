// Split-brain arithmetic, pure: from timestamped samples of which members accepted writes
// (pg_is_in_recovery() false), every window in which more than one did.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace drillhost::probes {

// One sampling round: when it was taken and each member's answer. A member absent from `writable`
// did not answer (down, partitioned): it is not counted as writable.
struct WritableSample {
    double t_ms = 0;
    std::map<std::string, bool> writable;
};

struct OverlapWindow {
    double start_ms = 0;               // first sample that saw two or more writable members
    double end_ms = 0;                 // first sample after it that saw at most one (or the last sample)
    std::vector<std::string> members;  // every member writable at some point in the window
    double duration_ms() const { return end_ms - start_ms; }
};

// Samples in any order. A window still open at the last sample ends there.
std::vector<OverlapWindow> overlaps(std::vector<WritableSample> samples);

// What one member answered at one time; nullopt: it did not answer (refused, timed out).
struct Observation {
    std::string member;
    double t_ms = 0;
    std::optional<bool> writable;
};

// Members are sampled independently, so their answers interleave. This replays them in time order
// and, at each answer, takes every member's latest state: a member counts only if its latest answer
// is at most `stale_ms` old (a member stuck in a hung query is not assumed still writable forever,
// nor assumed gone at once).
std::vector<WritableSample> merge(std::vector<Observation> observations, double stale_ms);

}  // namespace drillhost::probes
