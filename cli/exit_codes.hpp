// Exit codes of the drillhost CLI (docs/cli.md): what a script that runs drillhost branches on.
#pragma once

namespace drillhost::cli {

enum class ExitCode : int { passed = 0, drill_failed = 1, usage = 2, infrastructure = 3 };

}  // namespace drillhost::cli
