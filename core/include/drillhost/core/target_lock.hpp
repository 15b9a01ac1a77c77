// One run per cluster: two drills on one cluster at once give meaningless verdicts (each sees the
// other's faults). A run holds an flock on a file named after its target, in <state>/locks/, for
// as long as it lives; the kernel drops it when the process dies, kill -9 included.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace drillhost {

class TargetLock {
  public:
    // Takes the lock of `target`'s cluster. Throws UsageError naming the run that holds it.
    // `run_id` is written into the lock file so that a refused run can name the holder.
    TargetLock(const std::filesystem::path &state_dir, const nlohmann::json &target,
               const std::string &run_id);
    ~TargetLock() { release(); }
    // Removes the file and releases the lock (before a std::_Exit, which runs no destructor).
    void release();
    TargetLock(const TargetLock &) = delete;
    TargetLock &operator=(const TargetLock &) = delete;

    const std::filesystem::path &path() const { return path_; }

    // Removes lock files no live run holds (left by a run that was killed); returns how many.
    static int remove_stale(const std::filesystem::path &state_dir);

    // What identifies a cluster in a target, whatever kind it is: the scope and the members' REST
    // URLs, addresses and names, sorted. "" for a target with nothing to drill ({}).
    static std::string cluster_identity(const nlohmann::json &target);

  private:
    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace drillhost
