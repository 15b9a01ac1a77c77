// A drill's timeline as inline SVG, on one time axis from the drill's start: the faults' spans
// shaded and labelled, the phases as numbered marks, each member's role as a lane (leader, replica,
// down, unknown: a pattern and a word each, never colour alone), the writer's acknowledged writes
// and failed commits per 100 ms with its gaps, pgbench's TPS and latency per interval, and the RTO
// phase marks (leader key lost, elected, promoted, first acknowledged write). A lane whose data the
// journal lacks is left out.
#pragma once

#include <drillhost/report/run_journal.hpp>

#include <string>

namespace drillhost::report {

struct Timeline {
    std::string svg;     // <svg>...</svg>
    std::string legend;  // HTML: the phases and faults by number, what the patterns mean
};

Timeline render_timeline(const DrillJournal &drill);

}  // namespace drillhost::report
