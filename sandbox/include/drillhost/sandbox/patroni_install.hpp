// Which Patroni the embedded cluster runs: Debian's `patroni` on PATH (the default), or the one
// `sandbox up --patroni PATH` names, an executable or a source tree's patroni.py, each with its
// patronictl beside it. See docs/patroni-versions.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace drillhost::sandbox {

struct PatroniInstall {
    std::string requested;                // what --patroni said ("" for Debian's)
    std::vector<std::string> patroni;     // argv before the config file
    std::vector<std::string> patronictl;  // argv before patronictl's own arguments
    std::string version;                  // "4.1.4", as `--version` prints it

    nlohmann::json to_json() const;
    static PatroniInstall from_json(const nlohmann::json &json);
};

// Resolves `path` ("" for Debian's) to the commands that run it, without running them. Throws
// UsageError naming the path when it is neither an executable nor a source tree with patroni.py,
// or when its patronictl is missing.
PatroniInstall resolve_patroni(const std::string &path);

// Runs `patroni --version` as the user the services run as (postgres when we are root) and fills
// in the version. Throws InfraError with what it printed when it does not run (a missing Python
// module, a directory the postgres user cannot read).
void probe_patroni_version(PatroniInstall &install);

// "4.1.4" from "patroni 4.1.4" or "patroni.py 4.1.4"; "" when there is no version in the text.
std::string patroni_version_from(const std::string &version_output);

}  // namespace drillhost::sandbox
