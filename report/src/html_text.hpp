// Text into HTML and SVG: secrets redacted (as in every report), invalid UTF-8 replaced, and
// escaped so that what a server or a plugin said stays text, never markup.
#pragma once

#include <string>

namespace drillhost::report {

std::string html_text(const std::string &text);

// A number for an SVG attribute: fixed, short, never "nan".
std::string svg_number(double value);

}  // namespace drillhost::report
