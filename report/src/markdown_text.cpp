#include "markdown_text.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/redact.hpp>

namespace drillhost::report {

std::string markdown_cell(const std::string &text) {
    std::string out;
    for (char c : valid_utf8(redact_text(text))) {
        if (c == '\n' || c == '\r' || c == '\t')
            out += ' ';
        else if (c == '|' || c == '`' || c == '*' || c == '_' || c == '<' || c == '>' || c == '[' ||
                 c == ']' || c == '\\')
            out += std::string("\\") + c;
        else if (static_cast<unsigned char>(c) >= 0x20)
            out += c;
    }
    return out;
}

}  // namespace drillhost::report
