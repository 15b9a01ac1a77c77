// The HTML report's templates (report/templates/), and the one substitution they know: {{name}}
// replaced by text the caller has already escaped.
#pragma once

#include <map>
#include <string>

namespace drillhost::report::templates {

extern const char *const page;   // report.html
extern const char *const drill;  // drill.html

// `text` with each {{key}} replaced by values[key]; a key the map lacks throws std::logic_error
// (a template and its renderer out of step is a bug, never a half-filled page).
std::string fill(const std::string &text, const std::map<std::string, std::string> &values);

}  // namespace drillhost::report::templates
