// Secrets never leave the target file and the fault ledger: everything else drillhost writes
// (logs, journals, reports, error messages) goes through these first.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace drillhost {

// What a secret is replaced with.
inline constexpr std::string_view redacted_mark = "***";

// `text` with the passwords it carries replaced by ***: the password of a URL's userinfo
// (postgres://u:pw@h -> postgres://u:***@h), conninfo and environment assignments
// (password=pw, PGPASSWORD=pw, "password": "pw").
std::string redact_text(std::string_view text);

// A copy of `value` in which members whose key names a secret (password, passwd, secret, token,
// private_key, ...) hold "***" and every other string went through redact_text.
nlohmann::json redact_json(const nlohmann::json &value);

// Whether a member of this name holds a secret.
bool is_secret_key(std::string_view key);

}  // namespace drillhost
