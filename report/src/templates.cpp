#include "templates.hpp"

#include <stdexcept>

namespace drillhost::report::templates {

std::string fill(const std::string &text, const std::map<std::string, std::string> &values) {
    std::string out;
    size_t at = 0;
    for (size_t open; (open = text.find("{{", at)) != std::string::npos;) {
        size_t close = text.find("}}", open);
        if (close == std::string::npos) break;
        std::string key = text.substr(open + 2, close - open - 2);
        auto value = values.find(key);
        if (value == values.end()) throw std::logic_error("report template: no value for {{" + key + "}}");
        out.append(text, at, open - at).append(value->second);
        at = close + 2;
    }
    return out.append(text, at);
}

}  // namespace drillhost::report::templates
