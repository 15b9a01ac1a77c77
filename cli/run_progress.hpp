// Progress lines while drills run: which drill, which phase, faults in and out, each verdict, with
// the time elapsed in the drill. Fed from the journal, so what is printed is what is recorded.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstddef>

namespace drillhost::cli {

class RunProgress {
  public:
    explicit RunProgress(size_t drills) : total_(drills) {}
    void next_drill() { ++index_; }
    // A journal entry (see RunnerOptions::on_journal_entry).
    void on_entry(const nlohmann::json &entry);

  private:
    size_t total_;
    std::atomic<size_t> index_{0};
    double drill_started_ms_ = 0;  // only touched by on_entry, which the journal serialises
};

}  // namespace drillhost::cli
