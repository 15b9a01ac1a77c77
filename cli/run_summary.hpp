// The end-of-run summary (table or JSON) and the exit code it implies.
#pragma once

#include <drillhost/core/runner.hpp>

#include <filesystem>
#include <ostream>
#include <vector>

namespace drillhost::cli {

// `wall_ms`: the whole run, start of the first drill to the end of the last.
void print_summary(std::ostream &out, const std::vector<DrillResult> &results, bool as_json,
                   const std::string &run_id, const std::filesystem::path &journal, double wall_ms);

// 3 if a fault was left open or the target was unreachable, else 1 if any drill did not pass or
// skip, else 0.
int exit_code_for(const std::vector<DrillResult> &results);

}  // namespace drillhost::cli
