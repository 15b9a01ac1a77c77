// What `drillhost run` drills against: a --target file, nothing (--target none), or by default the
// embedded cluster, brought up for the run when none is running and removed after it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli_context.hpp"

namespace drillhost::cli {

class RunTarget {
  public:
    // `target`: a YAML/JSON file, "none", or "" for the embedded cluster. `keep`: leave a sandbox
    // this run brought up running afterwards.
    // Without `target`: the running embedded cluster, else (if `may_bring_up`) a default one
    // brought up for this command, else a UsageError saying how to get one.
    RunTarget(const GlobalOptions &global, const std::string &target, bool keep, bool may_bring_up = true);
    ~RunTarget();  // removes the sandbox it brought up, unless kept
    RunTarget(const RunTarget &) = delete;
    RunTarget &operator=(const RunTarget &) = delete;

    const nlohmann::json &json() const { return target_; }
    // Removes the sandbox this run brought up (unless kept), now rather than at destruction.
    void release();

  private:
    const GlobalOptions &global_;
    nlohmann::json target_ = nlohmann::json::object();
    bool brought_up_ = false;
    bool keep_ = false;
};

}  // namespace drillhost::cli
