// Text inside a Markdown table cell or list item: secrets redacted, one line, and nothing that would
// end the cell or start markup of its own (a drill's message may hold anything a server said).
#pragma once

#include <string>

namespace drillhost::report {

std::string markdown_cell(const std::string &text);

}  // namespace drillhost::report
