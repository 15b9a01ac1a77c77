#include "plain_text.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/redact.hpp>

namespace drillhost::report {

std::string plain_text(const std::string &text) {
    std::string clean = valid_utf8(redact_text(text));
    std::erase_if(clean, [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 && c != '\t' && c != '\n';
    });
    for (const char *noncharacter : {"\xEF\xBF\xBE", "\xEF\xBF\xBF"})  // U+FFFE, U+FFFF
        for (size_t at; (at = clean.find(noncharacter)) != std::string::npos;) clean.erase(at, 3);
    return clean;
}

}  // namespace drillhost::report
