// JUnit XML, as CI systems read it (Jenkins, GitLab, GitHub's test reporters): a testsuite per run,
// a testcase per drill (classname its id's family, name its short name, time), <failure> with the
// failed checks' observed value and bound, <skipped> with the reason, <error> for an error, a crash,
// a timeout, a cancellation or a drill the journal never saw end; the measurements as properties.
#pragma once

#include <drillhost/report/run_journal.hpp>

#include <string>

namespace drillhost::report {

std::string junit_xml(const RunJournal &run);

}  // namespace drillhost::report
