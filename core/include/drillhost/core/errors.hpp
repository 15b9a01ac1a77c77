// Exceptions of the drillhost core, each mapped to the CLI's documented exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace drillhost {

// Exit codes of the drillhost CLI (docs/cli.md).
enum class ExitCode : int { passed = 0, drill_failed = 1, usage = 2, infrastructure = 3 };

// Bad input from the user: an unknown id, a parameter that breaks the schema, a malformed file.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Something the drill depends on is broken: a plugin, the ledger, the cluster.
class InfraError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace drillhost
