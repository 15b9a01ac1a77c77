// Markdown for a wiki page or a pull request: the run, the table of drills with their key numbers,
// and every failed check with what was observed against its bound.
#pragma once

#include <drillhost/report/run_journal.hpp>

#include <string>

namespace drillhost::report {

std::string markdown_report(const RunJournal &run);

}  // namespace drillhost::report
