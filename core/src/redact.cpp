#include <drillhost/core/redact.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace drillhost {
namespace {

// Words after which a value is a secret in free text: conninfo (password=), environment
// (PGPASSWORD=), JSON ("password": "..") and YAML (password: ..).
constexpr std::array<std::string_view, 5> secret_words = {"password", "passwd", "passphrase", "secret",
                                                          "token"};

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_word(std::string_view text, size_t at, std::string_view word) {
    if (text.size() - at < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
        if (lower(text[at + i]) != word[i]) return false;
    return true;
}

bool ends_value(char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '}' || c == ']' || c == '&' ||
           c == ';' || c == '"' || c == '\'';
}

// The end of a value that starts at `at`: a quoted one ends at its closing quote (backslash
// escapes honoured), a bare one at whitespace or punctuation.
size_t value_end(std::string_view text, size_t at) {
    if (at < text.size() && (text[at] == '\'' || text[at] == '"')) {
        char quote = text[at];
        size_t i = at + 1;
        while (i < text.size() && text[i] != quote) i += text[i] == '\\' ? 2 : 1;
        return std::min(i + 1, text.size());
    }
    size_t i = at;
    while (i < text.size() && !ends_value(text[i])) ++i;
    return i;
}

// password=pw, "password": "pw", password: pw  ->  the value replaced.
std::string redact_assignments(std::string_view text) {
    std::string out;
    size_t copied = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        auto word = std::find_if(secret_words.begin(), secret_words.end(),
                                 [&](std::string_view w) { return starts_with_word(text, i, w); });
        if (word == secret_words.end()) continue;
        size_t j = i + word->size();
        // The rest of the key: "password_file" is not a password, "db_password" and "PGPASSWORD" are.
        if (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
            continue;
        bool quoted_key = j < text.size() && (text[j] == '"' || text[j] == '\'');
        if (quoted_key) ++j;  // a JSON/YAML key's closing quote
        while (j < text.size() && text[j] == ' ') ++j;
        if (j >= text.size() || (text[j] != '=' && text[j] != ':')) continue;
        ++j;
        while (j < text.size() && text[j] == ' ') ++j;
        size_t end = value_end(text, j);
        if (end == j) continue;  // nothing assigned
        bool quoted = text[j] == '"' || text[j] == '\'';
        out.append(text.substr(copied, j - copied));
        // A JSON member ("token": 5) stays JSON: its bare value becomes the string "***".
        char quote = quoted ? text[j] : quoted_key ? '"' : '\0';
        if (quote) out.push_back(quote);
        out.append(redacted_mark);
        if (quote && (!quoted || (end > j + 1 && text[end - 1] == text[j]))) out.push_back(quote);
        copied = end;
        i = end - 1;
    }
    out.append(text.substr(copied));
    return out;
}

// scheme://user:pw@host  ->  scheme://user:***@host
std::string redact_url_passwords(std::string_view text) {
    std::string out;
    size_t copied = 0;
    for (size_t at = text.find("://"); at != std::string_view::npos; at = text.find("://", at + 3)) {
        size_t start = at + 3;
        size_t end = start;
        while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' &&
               !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '"' && text[end] != '\'')
            ++end;
        std::string_view authority = text.substr(start, end - start);
        size_t userinfo_end = authority.rfind('@');
        if (userinfo_end == std::string_view::npos) continue;
        size_t colon = authority.find(':');
        if (colon == std::string_view::npos || colon > userinfo_end) continue;
        out.append(text.substr(copied, start + colon + 1 - copied));
        out.append(redacted_mark);
        copied = start + userinfo_end;
    }
    out.append(text.substr(copied));
    return out;
}

}  // namespace

std::string redact_text(std::string_view text) {
    return redact_assignments(redact_url_passwords(text));
}

bool is_secret_key(std::string_view key) {
    std::string lowered(key);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
    if (lowered.find("password_file") != std::string::npos) return false;  // a path, not the secret
    for (auto word : secret_words)
        if (lowered.find(word) != std::string::npos) return true;
    return lowered == "private_key" || lowered == "api_key" || lowered == "credentials";
}

nlohmann::json redact_json(const nlohmann::json &value) {
    if (value.is_string()) return redact_text(value.get_ref<const std::string &>());
    if (value.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto &item : value) out.push_back(redact_json(item));
        return out;
    }
    if (!value.is_object()) return value;
    nlohmann::json out = nlohmann::json::object();
    for (const auto &[key, item] : value.items())
        out[key] = is_secret_key(key) && !item.is_null() && !item.is_boolean()
                       ? nlohmann::json(std::string(redacted_mark))
                       : redact_json(item);
    return out;
}

}  // namespace drillhost
