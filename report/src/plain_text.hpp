// Text from a journal made safe to put anywhere a report writes: secrets redacted, invalid UTF-8
// replaced, and no control character but tab and newline, nor U+FFFE or U+FFFF (which XML cannot
// carry). Each format then escapes its own markup (html_text, markdown_cell, the JUnit writer).
#pragma once

#include <string>

namespace drillhost::report {

std::string plain_text(const std::string &text);

}  // namespace drillhost::report
