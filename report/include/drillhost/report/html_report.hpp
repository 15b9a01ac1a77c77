// The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) that
// opens from disk and prints. The run (target, versions, start, duration, verdicts), a table of the
// drills linking to their sections, and per drill its timeline (html_timeline), its checks (failed
// ones first, marked in words and a sign as well as colour) and its measurements. Secrets are
// redacted as in every report. The page's layout is report/templates/*.html.
#pragma once

#include <drillhost/report/run_journal.hpp>

#include <string>

namespace drillhost::report {

std::string html_report(const RunJournal &run);

}  // namespace drillhost::report
