#include "markdown_text.hpp"

#include "plain_text.hpp"

namespace drillhost::report {

std::string markdown_cell(const std::string &text) {
    std::string out;
    for (char c : plain_text(text)) {
        if (c == '\n' || c == '\t')
            out += ' ';
        else if (c == '|' || c == '`' || c == '*' || c == '_' || c == '<' || c == '>' || c == '[' ||
                 c == ']' || c == '\\')
            out += std::string("\\") + c;
        else
            out += c;
    }
    return out;
}

}  // namespace drillhost::report
