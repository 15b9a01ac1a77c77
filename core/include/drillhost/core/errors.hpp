// The two kinds of failure the drillhost core reports. A front end maps each to what it shows its
// user (the CLI: docs/cli.md's exit codes 2 and 3).
#pragma once

#include <stdexcept>
#include <string>

namespace drillhost {

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
