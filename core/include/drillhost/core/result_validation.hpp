// Whether the host checks every operation's result against the operation's result schema. Params
// are always checked; results cost a validation per call, so they are checked in tests and with
// `--log-level debug` (docs/abi.md, "Operations"). The switch is the environment variable
// DRILLHOST_VALIDATE_RESULTS=1, so worker processes (worker.hpp) inherit it.
#pragma once

namespace drillhost {

bool results_validated();
// Turns checking on or off for this process and the workers it starts from now on.
void validate_results(bool on);

}  // namespace drillhost
